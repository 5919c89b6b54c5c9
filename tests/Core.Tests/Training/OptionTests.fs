/// The names of option values and the options' declarations: one table per union, parsed exactly in files and
/// forgiving case on the command line; the command line's help and the facade's documentation held to the
/// declarations; options saved in the model file and read back.
module OptionTests

open System
open System.IO
open System.Text.RegularExpressions
open System.Xml.Linq
open Expecto
open Emulators.Core

/// Every name of a table parses back to its value, and each value has one name.
let private roundTrip (t: Names.Table<'T>) =
    for v in Names.values t do
        Expect.equal (Names.parse t (Names.name t v)) v (sprintf "%s '%s'" (Names.what t) (Names.name t v))
    Expect.equal (Names.names t |> List.distinct).Length (Names.values t).Length (sprintf "%s: one name per value" (Names.what t))

/// The summary of a facade member in the facade's XML documentation, its <see cref="..."/> written as the member's
/// last name and white space folded.
let private facadeSummaries =
    lazy
        (let xml = Path.ChangeExtension(typeof<Emulators.EmulatorOptions>.Assembly.Location, ".xml")
         XDocument.Load(xml).Descendants(XName.Get "member")
         |> Seq.map (fun m ->
             let summary = m.Element(XName.Get "summary")
             let text =
                 if isNull summary then ""
                 else
                     summary.Nodes()
                     |> Seq.map (fun n ->
                         match n with
                         | :? XElement as e when e.Name.LocalName = "see" -> (e.Attribute(XName.Get "cref").Value.Split('.') |> Array.last)
                         | :? XElement as e -> e.Value
                         | n -> n.ToString())
                     |> String.concat ""
             m.Attribute(XName.Get "name").Value, Regex.Replace(text, @"\s+", " ").Trim())
         |> dict)

/// "(default X" in a summary: X up to the first ')', ';' or ':'.
let private documentedDefault (summary: string) =
    let m = Regex.Match(summary, @"\(default ([^);:,]+)")
    if m.Success then Some(m.Groups[1].Value.Trim()) else None

let private defaultsOf (property: string) =
    typeof<Emulators.EmulatorOptions>.GetProperty(property).GetValue(Emulators.EmulatorOptions.Defaults)

/// A number, a switch or an enum member as the facade's documentation writes it, equal to a value.
let private sameValue (written: string) (value: obj) =
    match value with
    | :? double as d -> Double.Parse(written, Globalization.CultureInfo.InvariantCulture) = d
    | :? int as i -> Int32.Parse(written, Globalization.CultureInfo.InvariantCulture) = i
    | :? bool as b -> (written = "true" || written = "on") = b && (written = "true" || written = "false" || written = "on" || written = "off")
    | v -> written = v.ToString()

let private folded (s: string) = Regex.Replace(s, @"\s+", " ")

[<Tests>]
let tests =
    testList "Options" [
        test "every table: names parse back to their values" {
            roundTrip Architecture.names
            roundTrip EncodingKind.names
            roundTrip Strategy.names
            roundTrip Experiment.LfMode.names
            roundTrip Experiment.HfDesign.names
            roundTrip Tensors.Precision.names
            roundTrip SelectionMode.names
            roundTrip SelectionBudget.names
            roundTrip Assessment.ModelKind.names
            roundTrip Outer.McDesign.names
            roundTrip Outer.Optimize.Goal.names
            roundTrip Outer.Suggest.Criterion.names
        }
        test "a name parses exactly as spelled, an alias too; anything else names the table's names" {
            Expect.equal (Names.parse Experiment.LfMode.names "learned") Experiment.LearnedLf "name"
            Expect.equal (Names.parse Experiment.LfMode.names "learnable") Experiment.LearnedLf "alias"
            Expect.equal (Names.name Experiment.LfMode.names Experiment.LearnedLf) "learned" "the canonical name"
            TestUtil.throwsUserError [ "unknown LF mode 'Learned'"; "expected one of: exact, learned" ] (fun () ->
                Names.parse Experiment.LfMode.names "Learned")
            TestUtil.throwsUserError [ "unknown strategy ' freeze'" ] (fun () -> Names.parse Strategy.names " freeze")
            // what a person types: blanks and case forgiven, the message quotes the text as typed
            Expect.equal (Names.parseIgnoringCase Experiment.LfMode.names " Learned ") Experiment.LearnedLf "typed"
            Expect.equal (Names.parseIgnoringCase Strategy.names "E2E") EndToEnd "typed alias"
            TestUtil.throwsUserError [ "unknown architecture 'ResNet'"; "mlp, siren, kan" ] (fun () ->
                Names.parseIgnoringCase Architecture.names "ResNet")
        }
        test "a table refuses a name given twice" {
            Expect.throws (fun () -> Names.table "t" [ "a", [], 1; "b", [ "a" ], 2 ] |> ignore) "a name repeats"
        }
        test "an option's range check names the option, its range and the value" {
            TestUtil.throwsUserError [ "the learning rate"; "(0, 10]"; "got 0" ] (fun () -> OptionSpec.check "" OptionSpec.learningRate 0.0)
            TestUtil.throwsUserError [ "the learning rate"; "got NaN" ] (fun () -> OptionSpec.check "" OptionSpec.learningRate nan)
            TestUtil.throwsUserError [ "stage: epochs must be at least 0 (got -1)" ] (fun () -> OptionSpec.check "stage: " OptionSpec.epochs -1)
            TestUtil.throwsUserError [ "ensemble members must be between 1 and 1000 (got 0)" ] (fun () -> OptionSpec.check "" OptionSpec.members 0)
            OptionSpec.check "" OptionSpec.lambda 0.0
            OptionSpec.check "" OptionSpec.learningRate OptionSpec.learningRate.Default
        }
        test "the defaults of the options, the training configuration and the sweep budget are the declared ones" {
            let d = ModelOptions.defaults
            Expect.equal d.LearningRate OptionSpec.learningRate.Default "options"
            Expect.equal TrainConfig.defaults.Schedule.LearningRate OptionSpec.learningRate.Default "schedule"
            Expect.equal TrainConfig.defaults.SurrogateSchedule TrainConfig.defaults.Schedule "the surrogates' schedule"
            Expect.equal (Assessment.Sweep.defaultBudget.AdamEpochs, Assessment.Sweep.defaultBudget.Depth) (d.AdamEpochs, d.Depth) "sweep budget"
            let c = Workflow.trainConfig d
            let t = TrainConfig.defaults
            Expect.equal (c.Schedule, c.SurrogateSchedule, c.Lambda, c.EncoderLambda, c.Strategy, c.KanGridUpdate)
                (t.Schedule, t.SurrogateSchedule, t.Lambda, t.EncoderLambda, t.Strategy, t.KanGridUpdate) "train config of the default options"
        }
        test "the facade documents every declared option, with the declared default" {
            let summaries = facadeSummaries.Force()
            let facade =
                typeof<Emulators.EmulatorOptions>.GetProperties()
                |> Array.filter (fun p -> p.CanWrite)
                |> Array.map (fun p -> p.Name)
                |> Set.ofArray
            let declared = OptionSpec.all |> List.map (fun o -> o.Property) |> Set.ofList
            // Threads and the GP candidates are run settings of the facade, no model options
            Expect.equal (Set.difference facade declared) (set [ "Threads"; "GaussianProcessCandidates" ]) "facade properties without a declaration"
            Expect.isEmpty (Set.difference declared facade) "declared options missing from the facade"
            for o in OptionSpec.all do
                let summary = summaries["P:Emulators.EmulatorOptions." + o.Property]
                let value = defaultsOf o.Property
                match documentedDefault summary with
                | Some written -> Expect.isTrue (sameValue written value) (sprintf "%s: documented default '%s', the library's %O" o.Property written value)
                | None -> failtestf "%s: the summary names no default: %s" o.Property summary
                match value with
                | :? Enum -> ()
                | v -> Expect.isTrue (sameValue o.Default v) (sprintf "%s: declared default %s, the facade's %O" o.Property o.Default v)
        }
        test "the command line's help shows every declared option with its declared help" {
            let help (command: string) =
                let code, out, err = CliTests.run [ command; "--help" ]
                Expect.equal code 0 (sprintf "%s --help: %s" command err)
                folded (out + err)
            let train = help "train"
            for o in OptionSpec.all do
                Expect.stringContains train ("--" + o.Flag) (sprintf "train --%s" o.Flag)
                if o.Flag <> "kan-range" then Expect.stringContains train (folded o.Help) (sprintf "train --%s help" o.Flag)
            let run = help "run"
            for o in OptionSpec.all do
                if not (List.contains o.Flag [ "members"; "select"; "budget"; "seed"; "kan-range" ]) then
                    Expect.stringContains run (folded o.Help) (sprintf "run --%s help" o.Flag)
        }
        test "a model file keeps the options it was trained with and gives them back" {
            let k1 = Problems.Forrester.k1
            let x = Experiment.hfPoints k1 8 0
            let hf = { X = x; Y = Experiment.evaluate k1.Hf x }
            let o =
                { ModelOptions.defaults with
                    Architecture = Architecture.Kan; Depth = 1; Width = 4; Blocks = { BlockSettings.defaults with KanGridSize = 3 }
                    Strategy = EndToEnd; AdamEpochs = 20; LbfgsIterations = 0; LearningRate = 2e-3; Lambda = 1e-4
                    Seed = 3; Selection = SelectionMode.Off; Budget = SelectionBudget.Medium }
            let lf = Workflow.FromData { Name = "LF"; X = x; Y = Experiment.evaluate k1.Sources.Head.Eval x; Domain = None; InputNames = None }
            let trained = UserModel.train o None hf None None [ lf ] None Threading.CancellationToken.None
            let dir = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))
            ModelFile.save dir trained.Metadata trained.Emulator |> ignore
            let loaded = ModelFile.load dir (fun _ -> None)
            Expect.equal loaded.Metadata.Options (Some o) "read back as saved"
            Expect.equal (UserModel.optionsOf loaded) o "the loaded model's options"
            // a file from before the options were recorded: what its architecture shows
            let older = UserModel.optionsOf { loaded with Metadata = { loaded.Metadata with Options = None } }
            Expect.equal (older.Architecture, older.Depth, older.Width, older.Blocks.KanGridSize) (Architecture.Kan, 1, 4, 3) "from the spec"
            Expect.equal older.LearningRate ModelOptions.defaults.LearningRate "training options take their defaults"
            Directory.Delete(dir, true)
        }
    ]
