/// Search rounds cut into pieces (Pieces.piecesOf) and pieces kept on disk while a configuration is unfinished
/// (PieceCheckpoint): neither may change a record.
module PieceTests

open System
open System.IO
open Expecto
open Emulators.Core
open Emulators.Core.Assessment

let private budget = { Sweep.defaultBudget with AdamEpochs = 100; LbfgsIterations = 6; SearchCandidates = 6; SearchRounds = 2; Depth = 1; Width = 5 }

let private config (arch: Architecture) (encoding: EncodingKind) (lf: NetworkLf) (rep: int) : Sweep.RunConfig =
    { Experiment = "piece-test"; Problem = "K1"; Corrupted = -1; Model = RunModels.mf arch encoding lf; Nh = 8; Rep = rep
      Design = Experiment.SobolOffset; Budget = budget }

/// A record without what depends on the clock.
let private results (r: RunRecord) = { r with Seconds = 0.0; FinishedUtc = "" }

let private group (c: int -> Sweep.RunConfig) = [ for r in 0 .. 2 -> c r ]

let private run (x: Runner.Execution) configs = Runner.runGroupIn x configs |> List.map results

let private tempDir () = Path.Combine(Path.GetTempPath(), "emulators-pieces-" + Guid.NewGuid().ToString("N"))

exception private Interrupted

/// A first sitting that stops after `n` trained pieces (in checkpoints `dir`), and the execution to resume it with.
let private interruptedAfter (n: int) (c: int -> Sweep.RunConfig) (cache: SurrogateCache.Cache) (dir: string) =
    let mutable trained = 0
    let stop (p: Runner.PieceReport) =
        if not p.Restored then trained <- trained + 1
        if trained = n then raise Interrupted
    let x = { Runner.defaultExecution with Cache = cache; PieceSize = Some 2; Checkpoints = Some dir; OnPiece = stop }
    Expect.throwsT<Interrupted> (fun () -> run x (group c) |> ignore) (sprintf "the first sitting stops after %d pieces" n)
    x

[<Tests>]
let tests =
    testList "Pieces" [
        test "a round is cut into balanced pieces of two or more members that cover it once" {
            for n in 1 .. 40 do
                for size in 1 .. 20 do
                    let cuts = Pieces.piecesOf size n
                    Expect.equal (cuts |> List.sumBy snd) n (sprintf "n %d size %d: every member once" n size)
                    Expect.equal (cuts |> List.map fst) (cuts |> List.scan (fun a (_, l) -> a + l) 0 |> List.take cuts.Length) "contiguous, in order"
                    if n >= 2 then Expect.isTrue (cuts |> List.forall (fun (_, l) -> l >= 2)) (sprintf "n %d size %d: no piece of one member" n size)
                    let lengths = cuts |> List.map snd
                    Expect.isLessThanOrEqual (List.max lengths - List.min lengths) 1 "balanced"
                    if n >= 4 && size >= 2 then
                        Expect.isLessThanOrEqual (List.max lengths) (max size 3) (sprintf "n %d size %d: at most the size asked (3 when two would leave one)" n size)
            Expect.isEmpty (Pieces.piecesOf 4 0) "nothing to cut"
        }
        test "a round a KAN needs in multiples of its row multiple is cut into pieces of such multiples" {
            for multiple in [ 2; 4; 8 ] do
                for n in [ multiple; 2 * multiple; 16; 24; 32 ] |> List.filter (fun n -> n % multiple = 0) do
                    for size in 1 .. 20 do
                        let cuts = Pieces.piecesIn multiple size n
                        let lengths = cuts |> List.map snd
                        Expect.equal (List.sum lengths) n (sprintf "multiple %d, n %d, size %d: every member once" multiple n size)
                        Expect.equal (cuts |> List.map fst) (cuts |> List.scan (fun a (_, l) -> a + l) 0 |> List.take cuts.Length) "contiguous, in order"
                        Expect.isTrue (lengths |> List.forall (fun l -> l % multiple = 0)) (sprintf "multiple %d, n %d, size %d: %A" multiple n size lengths)
                        Expect.isLessThanOrEqual (List.max lengths - List.min lengths) multiple "balanced to a block"
                        Expect.isLessThanOrEqual (List.max lengths) (max multiple ((size + multiple - 1) / multiple * multiple)) "at most the size asked, rounded up to a block"
            Expect.equal (Pieces.piecesIn 8 4 12) (Pieces.piecesOf 4 12) "a round that is no multiple is cut as before"
            Expect.equal (Pieces.piecesIn 1 5 16) (Pieces.piecesOf 5 16) "multiple 1: as before"
        }
        test "cutting the search rounds into pieces changes no record, bit for bit" {
            for c in [ config Architecture.Mlp EncodingKind.None NetworkLf.Exact; config Architecture.Kan EncodingKind.Affine (NetworkLf.Learned EndToEnd); config Architecture.Siren EncodingKind.Nonlinear (NetworkLf.Learned PretrainFreeze) ] do
                let whole = run { Runner.defaultExecution with Cache = SurrogateCache.create (); PieceSize = Some 6 } (group c)
                for size in [ 2; 3 ] do
                    let cut = run { Runner.defaultExecution with Cache = SurrogateCache.create (); PieceSize = Some size } (group c)
                    Expect.equal cut whole (sprintf "%s: pieces of %d and one batch of 6" (c 0).Key size)
        }
        test "a configuration interrupted midway resumes from its finished pieces and gives the records of an uninterrupted run" {
            let c = config Architecture.Mlp EncodingKind.Affine (NetworkLf.Learned EndToEnd)
            let dir = tempDir ()
            try
                let cache = SurrogateCache.create ()
                let uninterrupted = run { Runner.defaultExecution with Cache = cache; PieceSize = Some 2 } (group c)
                let x = interruptedAfter 3 c cache dir
                let groupDir = PieceCheckpoint.directoryOf dir (Runner.groupKey (c 0))
                Expect.equal (Directory.GetDirectories groupDir).Length 3 "three finished pieces on disk"
                let reports = Collections.Generic.List<Runner.PieceReport>()
                let resumed = run { x with OnPiece = reports.Add } (group c)
                Expect.equal resumed uninterrupted "the resumed records equal the uninterrupted ones, bit for bit"
                Expect.equal (reports |> Seq.filter (fun p -> p.Restored) |> Seq.length) 3 "the three finished pieces are read back, not trained"
                Expect.equal (reports |> Seq.map (fun p -> p.Stage) |> Seq.distinct |> List.ofSeq) [ "round 0"; "round 1"; "others" ] "every stage reported"
                Expect.isFalse (Directory.Exists groupDir) "the pieces are forgotten once the records exist"
            finally
                if Directory.Exists dir then Directory.Delete(dir, true)
        }
        test "a damaged piece, or one a kill cut short, is trained again, not trusted" {
            let c = config Architecture.Mlp EncodingKind.None NetworkLf.Exact
            let dir = tempDir ()
            try
                let cache = SurrogateCache.create ()
                let uninterrupted = run { Runner.defaultExecution with Cache = cache; PieceSize = Some 2 } (group c)
                let x = interruptedAfter 2 c cache dir
                let pieces = Directory.GetDirectories(PieceCheckpoint.directoryOf dir (Runner.groupKey (c 0)))
                // one piece as a kill in the middle of its save left it (no index, a member without model.json),
                // the other's weights altered, and a stray temporary directory beside them
                File.Delete(Path.Combine(pieces[0], "piece.json"))
                for m in Directory.GetDirectories(pieces[0]) do File.Delete(Path.Combine(m, "model.json"))
                Directory.CreateDirectory(pieces[0] + ".0123.tmp") |> ignore
                let weights = Directory.GetFiles(pieces[1], "weights.bin", SearchOption.AllDirectories) |> Array.head
                let bytes = File.ReadAllBytes weights
                bytes[bytes.Length / 2] <- bytes[bytes.Length / 2] ^^^ 0xFFuy
                File.WriteAllBytes(weights, bytes)
                let reports = Collections.Generic.List<Runner.PieceReport>()
                let resumed = run { x with OnPiece = reports.Add } (group c)
                Expect.equal resumed uninterrupted "the records of an uninterrupted run"
                Expect.isFalse (reports |> Seq.exists (fun p -> p.Restored)) "neither damaged piece was read back"
                Expect.isFalse (Directory.Exists(PieceCheckpoint.directoryOf dir (Runner.groupKey (c 0)))) "all of it gone once the records exist"
            finally
                if Directory.Exists dir then Directory.Delete(dir, true)
        }
    ]
