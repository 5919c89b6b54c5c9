/// LF surrogates of the assessment, pre-trained once and reused. A surrogate depends only on its problem's LF data
/// (problem, repetition, source), its network (architecture, depth, width), its training budget and the precision:
/// every candidate, search round, encoding and strategy of a configuration, and every configuration of any
/// experiment with those, uses the same one. With pretrain-and-freeze it is used as it is; end to end it is the
/// start that all of them share.
module Emulators.Core.Assessment.SurrogateCache

open System.Collections.Concurrent
open System.IO
open Emulators.Core

/// Everything a pre-trained surrogate depends on. The LF points are those of (Problem, Rep, Source); the seed is
/// the repetition's (Experiment.memberSeeds); the learning rate is Runner.surrogateLearningRate for every run.
type Key =
    { Problem: string
      Rep: int
      Source: string
      Architecture: Architecture
      Depth: int
      Width: int
      AdamEpochs: int
      LbfgsIterations: int
      LearningRate: float
      Precision: Tensors.Precision }

/// The key as text, every field spelled out (the learning rate to round-trip precision): what a surrogate file
/// must have been trained for.
let keyText (k: Key) =
    sprintf "%s|rep %d|%s|%s %dx%d|adam %d|lbfgs %d|lr %s|%s" k.Problem k.Rep k.Source (Names.name Architecture.names k.Architecture) k.Depth k.Width
        k.AdamEpochs k.LbfgsIterations (k.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
        (Tensors.precisionName k.Precision)

/// Surrogates trained so far, by key. Lazy values: two threads asking for one surrogate train it once. With a
/// directory, every surrogate is also kept on disk (SurrogateFile) and read back by later processes: by the other
/// worker of a run, by the next sitting of a run spread over several, by the array tasks of a Slurm job. A
/// surrogate read back is the one trained, bit for bit, so records do not depend on where it came from (tested).
type Cache =
    private
        { Entries: ConcurrentDictionary<Key, System.Lazy<TrainedSurrogate>>
          mutable Directory: string option }

let create () = { Entries = ConcurrentDictionary<Key, System.Lazy<TrainedSurrogate>>(); Directory = None }

/// A cache that also keeps its surrogates in `dir`.
let onDisk (dir: string) = { create () with Directory = Some dir }

/// The cache of this process: a worker process keeps its surrogates for as long as it lives.
let shared = create ()

/// From now on, keep `c`'s surrogates in `dir` too (the CLI's reproduce and its workers: see directoryFor).
let persistTo (c: Cache) (dir: string) = c.Directory <- Some dir

/// Where a preset's surrogates are kept beside its results: <paper figures>/results/surrogates/<preset>/.
let directoryFor (root: string) (preset: string) = Path.Combine(root, "results", "surrogates", preset)

/// The file of a key in a directory: a hash of its text, since the text holds characters file names must not.
let fileOf (dir: string) (k: Key) =
    let hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(keyText k))
    Path.Combine(dir, System.Convert.ToHexString(hash).Substring(0, 24).ToLowerInvariant() + ".surrogate")

let count (c: Cache) = c.Entries.Count

/// The surrogate for `key`: from memory, else from the cache's directory, else trained by `train` (and then
/// written to the directory). A training that failed is not kept.
let getOrTrain (c: Cache) (key: Key) (train: unit -> TrainedSurrogate) : TrainedSurrogate =
    let load () =
        match c.Directory with
        | None -> train ()
        | Some dir ->
            let file = fileOf dir key
            match SurrogateFile.tryLoad file (keyText key) with
            | Some s -> s
            | None ->
                let s = train ()
                // A surrogate that cannot be kept is trained again next time: worth a warning, not a failed run.
                try SurrogateFile.save file (keyText key) s
                with
                | :? IOException
                | :? System.UnauthorizedAccessException as e ->
                    eprintfn "warning: could not keep the LF surrogate in %s (%s); a later process will train it again" file e.Message
                s
    let entry = c.Entries.GetOrAdd(key, fun _ -> System.Lazy<TrainedSurrogate>(load, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication))
    try entry.Value
    with _ ->
        c.Entries.TryRemove(System.Collections.Generic.KeyValuePair(key, entry)) |> ignore
        reraise ()
