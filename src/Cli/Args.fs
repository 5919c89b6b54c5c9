/// The command line, declared with Argu.
module Emulators.Cli.Args

open Emulators.Core

open Argu

type RunArgs =
    | [<Mandatory>] Problem of name: string
    | Arch of name: string
    | Depth of int
    | Width of int
    | Omega0 of float
    | Kan_Grid of intervals: int
    | Kan_Order of order: int
    // --kan-range LO,HI or --kan-range=LO,HI
    | [<EqualsAssignmentOrSpaced>] Kan_Range of ``lo,hi``: string
    | Lf of mode: string
    | Strategy of name: string
    | Encoding of name: string
    | Nh of int
    | Design of name: string
    | Seed of int
    | Epochs of int
    | Lbfgs of iterations: int
    | Lr of float
    | Lambda of float
    | Encoder_Lambda of float
    | Kan_Grid_Update
    | Precision of string
    | Threads of int
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Problem _ -> "problem name (see `emulators problems`)"
            | Arch _ -> OptionSpec.help OptionSpec.architecture
            | Depth _ -> OptionSpec.help OptionSpec.depth
            | Width _ -> OptionSpec.help OptionSpec.width
            | Omega0 _ -> OptionSpec.help OptionSpec.omega0
            | Kan_Grid _ -> OptionSpec.help OptionSpec.kanGridSize
            | Kan_Order _ -> OptionSpec.help OptionSpec.kanSplineOrder
            | Kan_Range _ -> Read.kanRangeHelp
            | Lf _ -> Read.namedHelp "LF information" Experiment.LfMode.names Experiment.ExactLf
            | Strategy _ -> OptionSpec.help OptionSpec.strategy
            | Encoding _ -> OptionSpec.help OptionSpec.encoding
            | Nh _ -> "number of Sobol' HF points, before the 1-D boundary points (default: the problem's smallest)"
            | Design _ ->
                Read.namedHelp "HF design (the paper's power-of-two Sobol' offsets, or Owen-scrambled Sobol' without their aliasing of oscillations)"
                    Experiment.HfDesign.names Experiment.SobolOffset
            | Seed _ -> sprintf "repetition seed: Sobol' offset or scramble, and initialisation (default %d)" OptionSpec.seed.Default
            | Epochs _ -> OptionSpec.help OptionSpec.epochs
            | Lbfgs _ -> OptionSpec.help OptionSpec.lbfgsIterations
            | Lr _ -> OptionSpec.help OptionSpec.learningRate
            | Lambda _ -> OptionSpec.help OptionSpec.lambda
            | Encoder_Lambda _ -> OptionSpec.help OptionSpec.encoderLambda
            | Kan_Grid_Update -> OptionSpec.help OptionSpec.kanGridUpdate
            | Precision _ -> OptionSpec.help OptionSpec.precision
            | Threads _ -> "libtorch threads (default 1)"
            | Json -> "print one JSON object on the last line"

type ProblemsArgs =
    | Verbose
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Verbose -> "also print where each fact comes from"

/// Options shared by every command that trains.
type TrainArgs =
    | [<Mandatory>] Hf of csv: string
    | Lf of name_eq_csv: string
    | Inputs of columns: string
    | Output of column: string
    | Arch of name: string
    | Depth of int
    | Width of int
    | Omega0 of float
    | Kan_Grid of intervals: int
    | Kan_Order of order: int
    // --kan-range LO,HI or --kan-range=LO,HI
    | [<EqualsAssignmentOrSpaced>] Kan_Range of ``lo,hi``: string
    | Encoding of name: string
    | Strategy of name: string
    | Epochs of int
    | Lbfgs of iterations: int
    | Lr of float
    | Lambda of float
    | Encoder_Lambda of float
    | Kan_Grid_Update
    | Seed of int
    | Members of int
    | Precision of string
    | Threads of int
    | Select of mode: string
    | Budget of size: string
    | No_Gp
    | [<Mandatory; AltCommandLine("-o")>] Out of model_dir: string
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Select _ -> OptionSpec.help OptionSpec.selection
            | Budget _ -> OptionSpec.help OptionSpec.budget
            | No_Gp -> "with --select auto, leave the Gaussian-process candidates (gp, ar1, nargp) out of the selection: networks only"
            | Hf _ -> "HF data: CSV with a header; the output is the last column unless --output names it"
            | Lf _ -> "an LF source as NAME=file.csv (repeatable); with none, the single-fidelity model is trained"
            | Inputs _ -> "comma-separated HF input columns (default: every column but the output)"
            | Output _ -> "output column in every file (default: the last column of the HF file)"
            | Arch _ -> Read.narrows (OptionSpec.help OptionSpec.architecture)
            | Depth _ -> Read.narrows (OptionSpec.help OptionSpec.depth)
            | Width _ -> Read.narrows (OptionSpec.help OptionSpec.width)
            | Omega0 _ -> OptionSpec.help OptionSpec.omega0
            | Kan_Grid _ -> OptionSpec.help OptionSpec.kanGridSize
            | Kan_Order _ -> OptionSpec.help OptionSpec.kanSplineOrder
            | Kan_Range _ -> Read.kanRangeHelp
            | Encoding _ -> Read.narrows (OptionSpec.help OptionSpec.encoding) + " (an LF file with other inputs needs affine or nonlinear)"
            | Strategy _ -> OptionSpec.help OptionSpec.strategy
            | Epochs _ -> OptionSpec.help OptionSpec.epochs
            | Lbfgs _ -> OptionSpec.help OptionSpec.lbfgsIterations
            | Lr _ -> Read.narrows (OptionSpec.help OptionSpec.learningRate)
            | Lambda _ -> Read.narrows (OptionSpec.help OptionSpec.lambda)
            | Encoder_Lambda _ -> OptionSpec.help OptionSpec.encoderLambda
            | Kan_Grid_Update -> OptionSpec.help OptionSpec.kanGridUpdate
            | Seed _ -> OptionSpec.help OptionSpec.seed
            | Members _ -> OptionSpec.help OptionSpec.members + "; with more, predict also writes the members' spread"
            | Precision _ -> OptionSpec.help OptionSpec.precision
            | Threads _ -> "libtorch threads (default 1)"
            | Out _ -> "directory to write the model into"
            | Json -> "print one JSON object on the last line"

type PredictArgs =
    | [<Mandatory; AltCommandLine("-m")>] Model of model_dir: string
    | [<Mandatory>] Input of csv: string
    | [<Mandatory; AltCommandLine("-o")>] Out of csv: string
    | Gradient
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Gradient -> "also write the input gradient of the prediction (columns d<output>/d<input>, by autograd; an ensemble: of the members' mean)"
            | Model _ -> "model directory written by `emulators train`"
            | Input _ -> "CSV with the model's input columns (extra columns are ignored)"
            | Out _ -> "CSV to write: the inputs, the prediction and its linear and nonlinear parts (an ensemble model: mean and std)"

type EvaluateArgs =
    | [<Mandatory; AltCommandLine("-m")>] Model of model_dir: string
    | [<Mandatory>] Data of csv: string
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Model _ -> "model directory written by `emulators train`"
            | Data _ -> "CSV with the model's input columns and its output column"
            | Json -> "print one JSON object on the last line"

type ExportArgs =
    | [<Mandatory>] Problem of name: string
    | Nh of int
    | Design of name: string
    | Seed of int
    | [<Mandatory; AltCommandLine("-o")>] Out of dir: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Problem _ -> "problem name (see `emulators problems`)"
            | Nh _ -> "number of Sobol' HF points before 1-D boundary points (default: the problem's smallest)"
            | Design _ -> Read.namedHelp "HF design, as in `emulators run`" Experiment.HfDesign.names Experiment.SobolOffset
            | Seed _ -> sprintf "repetition seed (default %d)" OptionSpec.seed.Default
            | Out _ -> "directory for hf.csv, one LF file per source, and test.csv"

type ReproduceArgs =
    | Preset of name: string
    | Only of experiment: string
    | Shard of k_of_n: string
    | Root of paper_figures_dir: string
    | Jobs of int
    | Fresh
    | Threads of int
    | Cheapest_First
    | Piece_Size of members: int
    | Within of hours: float
    | Status
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Status -> "train nothing: print the runs done per experiment, the worker time the records carry, the wall time the sittings log measured and the work left by kind of run (the costliest first), each kind priced at the pace of its finished runs"
            | Within _ -> "a sitting of this many hours: start only configurations expected to end within it (priced at the pace of the finished runs of their kind), so that no configuration is cut off when the sitting ends; those left wait for the next sitting"
            | Piece_Size _ -> "at most this many members train as one batched ensemble (search rounds cut into pieces, each kept on disk until its configuration is done, so an interrupted run resumes midway; records do not change); default: whole rounds, cut only where a round is expected to take over half an hour"
            | Cheapest_First -> "train the cheapest configurations first (most results soonest, for a run over several sittings); default: longest first (best balance of the workers)"
            | Preset _ -> "a preset of the experiment files: quick (minutes, reduced budgets) or paper (the paper's budgets; about 75 worker-hours on 2 cores, resumable and shardable); default quick"
            | Only _ -> "run only the named experiment"
            | Shard _ -> "run shard k of N (e.g. 3/8); join shards with `emulators merge`"
            | Root _ -> "the paper-figures directory (default: found from the working directory)"
            | Jobs _ -> "worker processes training in parallel, one libtorch thread each (default: the number of cores; 1 trains in this process)"
            | Fresh -> "rerun from scratch: move the results file aside (to <file>.old-<time>, never deleted) and train every selected run again"
            | Threads _ -> "libtorch threads of each run (default 1)"

type FiguresArgs =
    | Preset of name: string
    | Results of jsonl: string
    | Root of paper_figures_dir: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Preset _ -> "quick or paper (default quick)"
            | Results _ -> "results file (default paper-figures/results/<preset>.jsonl)"
            | Root _ -> "the paper-figures directory (default: found from the working directory)"

type VerifyArgs =
    | Preset of name: string
    | Root of paper_figures_dir: string
    | Count of int
    | Seed of int
    | Max_Seconds of float
    | Key of run_key: string
    | Fresh_Surrogates
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Preset _ -> "quick or paper (default quick)"
            | Root _ -> "the paper-figures directory (default: found from the working directory)"
            | Count _ -> "how many finished records to rerun, drawn at random (default 2)"
            | Seed _ -> "seed of the draw (default: a new one, printed, so that the draw can be repeated)"
            | Max_Seconds _ -> "draw only among records that took at most this many seconds (default 600)"
            | Key _ -> "rerun the record of this key instead of a random draw (repeatable)"
            | Fresh_Surrogates -> "train the LF surrogates again instead of reading them from results/surrogates/<preset>/"

type MergeArgs =
    | Preset of name: string
    | Root of paper_figures_dir: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Preset _ -> "quick or paper (default paper)"
            | Root _ -> "the paper-figures directory (default: found from the working directory)"

type SlurmArgs =
    | Preset of name: string
    | Shards of int
    | Root of paper_figures_dir: string
    | Cpus_Per_Task of int
    | Mem of size: string
    | Time of limit: string
    | [<AltCommandLine("-o")>] Out of file: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Preset _ -> "quick or paper (default paper)"
            | Shards _ -> "number of array tasks (default 32)"
            | Root _ -> "the paper-figures directory (default: found from the working directory)"
            | Cpus_Per_Task _ -> "CPUs per array task, used as worker processes (default 2)"
            | Mem _ -> "memory per array task, as sbatch --mem takes it (default 4G)"
            | Time _ -> "time limit per array task, as sbatch --time takes it (default 24:00:00)"
            | Out _ -> "script to write (default reproduce-<preset>.slurm.sh)"

/// The hidden `worker` command that `reproduce --jobs N` starts N times.
type WorkerArgs =
    | [<Mandatory>] Root of paper_figures_dir: string
    | [<Mandatory>] Preset of name: string
    | Threads of int
    | Piece_Size of members: int
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Root _ -> "the paper-figures directory"
            | Preset _ -> "the preset whose runs it is sent"
            | Threads _ -> "libtorch threads (default 1)"
            | Piece_Size _ -> "members per batched piece (see reproduce)"

type Command =
    | [<CliPrefix(CliPrefix.None); SubCommand>] Problems of ParseResults<ProblemsArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Run of ParseResults<RunArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Figures of ParseResults<FiguresArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Merge of ParseResults<MergeArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Verify of ParseResults<VerifyArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Slurm of ParseResults<SlurmArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Export of ParseResults<ExportArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Predict of ParseResults<PredictArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Evaluate of ParseResults<EvaluateArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand; Hidden>] Worker of ParseResults<WorkerArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Propagate of ParseResults<Emulators.Cli.Outer.PropagateCommand.Args>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Sensitivity of ParseResults<Emulators.Cli.Outer.SensitivityCommand.Args>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Optimize of ParseResults<Emulators.Cli.Outer.OptimizeCommand.Args>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Suggest of ParseResults<Emulators.Cli.Outer.SuggestCommand.Args>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Problems _ -> "list the built-in test problems"
            | Run _ -> "train a multi-fidelity emulator and its single-fidelity baseline on a built-in problem"
            | Reproduce _ -> "run the paper's assessment (resumable, shardable) and render every figure and table"
            | Figures _ -> "re-render the figures and tables from existing results (no training)"
            | Merge _ -> "join the results of shards into one file"
            | Verify _ -> "rerun finished records of a preset (at random, or by key) and check that they reproduce bit for bit"
            | Slurm _ -> "write a Slurm job-array script that runs the assessment in shards"
            | Export _ -> "write a built-in problem's HF, LF and test data as CSV files"
            | Train _ -> "train an emulator on your own CSV data and save it"
            | Predict _ -> "predict with a saved model at the points of a CSV file"
            | Evaluate _ -> "score a saved model on a CSV test set"
            | Worker _ -> "train the runs sent on stdin (started by `reproduce --jobs N`)"
            | Propagate _ -> "propagate input distributions through a model: mean, std and quantiles of the output with Monte Carlo and emulator intervals"
            | Sensitivity _ -> "first-order and total Sobol' indices of a model's inputs"
            | Optimize _ -> "minimum or maximum of a model in its input box (multi-start L-BFGS-B on autograd gradients)"
            | Suggest _ -> "where to run the next HF simulations: points of largest spread or expected improvement, as CSV"
