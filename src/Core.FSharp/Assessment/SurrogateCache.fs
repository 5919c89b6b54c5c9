/// LF surrogates of the assessment, pre-trained once and reused. A surrogate depends only on its problem's LF data
/// (problem, repetition, source), its network (architecture, depth, width), its training budget and the precision:
/// every candidate, search round, encoding and strategy of a configuration, and every configuration of any
/// experiment with those, uses the same one. With pretrain-and-freeze it is used as it is; end to end it is the
/// start that all of them share.
module Emulators.Core.Assessment.SurrogateCache

open System.Collections.Concurrent
open Emulators.Core

/// Everything a pre-trained surrogate depends on. The LF points are those of (Problem, Rep, Source); the seed is
/// the repetition's (Experiment.memberSeeds); the learning rate is Runner.surrogateLearningRate for every run.
type Key =
    { Problem: string
      Rep: int
      Source: string
      Architecture: string
      Depth: int
      Width: int
      AdamEpochs: int
      LbfgsIterations: int
      LearningRate: float
      Precision: Tensors.Precision }

/// Surrogates trained so far, by key. Lazy values: two threads asking for one surrogate train it once.
type Cache = private { Entries: ConcurrentDictionary<Key, System.Lazy<TrainedSurrogate>> }

let create () = { Entries = ConcurrentDictionary<Key, System.Lazy<TrainedSurrogate>>() }

/// The cache of this process: a worker process keeps its surrogates for as long as it lives.
let shared = create ()

let count (c: Cache) = c.Entries.Count

/// The surrogate for `key`, trained by `train` the first time it is asked for. A training that failed is not kept.
let getOrTrain (c: Cache) (key: Key) (train: unit -> TrainedSurrogate) : TrainedSurrogate =
    let entry = c.Entries.GetOrAdd(key, fun _ -> System.Lazy<TrainedSurrogate>(train, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication))
    try entry.Value
    with _ ->
        c.Entries.TryRemove(System.Collections.Generic.KeyValuePair(key, entry)) |> ignore
        reraise ()
