/// The command line, declared with Argu.
module Emulators.Cli.Args

open Argu

type RunArgs =
    | [<Mandatory>] Problem of name: string
    | Arch of name: string
    | Depth of int
    | Width of int
    | Lf of mode: string
    | Strategy of name: string
    | Encoding of name: string
    | Nh of int
    | Seed of int
    | Epochs of int
    | Lbfgs of iterations: int
    | Lr of float
    | Lambda of float
    | Precision of string
    | Threads of int
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Problem _ -> "problem name (see `emulators problems`)"
            | Arch _ -> "block family of F_nl, the LF surrogates and the SF baseline: mlp (default mlp)"
            | Depth _ -> "hidden layers of each block (default 3)"
            | Width _ -> "units per hidden layer (default 16)"
            | Lf _ -> "LF information: exact or learned (default exact)"
            | Strategy _ -> "freeze (pre-train LF surrogates, then freeze) or end-to-end (default freeze)"
            | Encoding _ -> "coordinate encoding: none, affine or nonlinear (default none)"
            | Nh _ -> "number of Sobol' HF points, before the 1-D boundary points (default: the problem's smallest)"
            | Seed _ -> "repetition seed: Sobol' offset and initialisation (default 0)"
            | Epochs _ -> "Adam epochs per stage (default 5000)"
            | Lbfgs _ -> "L-BFGS iterations after Adam (default 3000; 0 disables)"
            | Lr _ -> "Adam learning rate (default 1e-3)"
            | Lambda _ -> "L2 penalty on the F_nl weights (default 1e-3)"
            | Precision _ -> "float64 or float32 (default float64)"
            | Threads _ -> "libtorch threads (default 1)"
            | Json -> "print one JSON object on the last line"

type ProblemsArgs =
    | Verbose
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Verbose -> "also print where each fact comes from"

type Command =
    | [<CliPrefix(CliPrefix.None); SubCommand>] Problems of ParseResults<ProblemsArgs>
    | [<CliPrefix(CliPrefix.None); SubCommand>] Run of ParseResults<RunArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Problems _ -> "list the built-in test problems"
            | Run _ -> "train a multi-fidelity emulator and its single-fidelity baseline on a built-in problem"
