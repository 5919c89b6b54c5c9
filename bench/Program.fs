/// Side-by-side benchmark of the K1 MF-MLP training step (see bench/run.sh, which drives the modes below).
///   bench data   <out.json>                      the K1 HF training points, so PyTorch trains on the same data
///   bench speed  <out.json> [repeats steps warmup members]   ms per full-batch Adam step, float64 and float32
///   bench rss    <out.json> [members epochs]     peak resident memory (VmHWM) of one long ensemble run
///   bench sweep  <out.json> [reps epochs lbfgs candidates rounds]   one paper-budget assessment configuration
///   bench estimate <out.json> <paper-figures dir>   the paper preset's total from a fixed sample of its configurations
///   bench gp     <out.json> [N_H]              K5's single-fidelity GP at N_H points: fit, predict, kernel time
///   bench gp-report <dir> <out.md>             the GP section alone (run.sh --gp-only)
///   bench report <dir> <RESULTS.md>              merge the JSON files of <dir>, write the table, print the summary line
module Bench.Program

open Bench.Measure
open Bench.Report

[<EntryPoint>]
let main argv =
    let arg i d = if argv.Length > i then argv[i] else d
    match List.ofArray argv with
    | "data" :: out :: _ -> data out; 0
    | "speed" :: out :: _ ->
        let members = (arg 5 "1,4,16,64").Split ',' |> Array.map int |> List.ofArray
        speed out (int (arg 2 "5")) (int (arg 3 "2000")) (int (arg 4 "200")) members
        0
    | "rss" :: out :: _ -> rss out (int (arg 2 "64")) (int (arg 3 "20000")); 0
    | "sweep" :: out :: _ ->
        sweep out (int (arg 2 "4")) (int (arg 3 "5000")) (int (arg 4 "3000")) (int (arg 5 "16")) (int (arg 6 "2"))
        0
    | "estimate" :: out :: root :: _ -> estimate out root; 0
    | "compaction" :: out :: _ -> compaction out (int (arg 2 "3")) (int (arg 3 "5000")) (int (arg 4 "3000")); 0
    | "gp" :: out :: _ -> Bench.Gp.gp out (int (arg 2 "1024")); 0
    | "gp-report" :: dir :: out :: _ -> Bench.Gp.report dir out; 0
    | "report" :: dir :: out :: _ -> report dir out; 0
    | _ ->
        eprintfn "usage: bench data|speed|rss|sweep|compaction|estimate|gp|gp-report|report ... (see bench/run.sh)"
        2
