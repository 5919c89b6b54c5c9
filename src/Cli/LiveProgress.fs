/// Progress of training on stderr (stdout stays for results and --json). On a terminal: a live Spectre.Console
/// display, one bar per stage (LF surrogate k of n, correlation, refit) with steps, loss, elapsed time and ETA, and
/// an overall bar over the tasks. Otherwise (redirected, CI, TERM=dumb): plain lines without ANSI codes, one per
/// finished stage, plus one every 30 s of a long stage. EMULATORS_PROGRESS=live|plain|off overrides the choice.
module Emulators.Cli.LiveProgress

open System
open System.Collections.Generic
open System.Diagnostics
open Spectre.Console
open Emulators.Core

type private StageState =
    { Name: string
      mutable Step: int
      mutable Steps: int
      mutable Loss: float
      mutable Phase: string
      Started: TimeSpan
      mutable Ended: TimeSpan option
      mutable LastLine: TimeSpan }

type private TaskState =
    { Label: string
      Index: int
      mutable Count: int
      mutable StageCount: int
      Stages: List<StageState>
      Started: TimeSpan }

/// Everything reported so far, in order.
type private Board() =
    let tasks = List<TaskState>()
    let clock = Stopwatch.StartNew()
    member _.Tasks = tasks
    member _.Elapsed = clock.Elapsed
    /// Record a report; returns the stage it updated and whether the report started a new stage.
    member _.Add(r: ProgressReport) =
        let now = clock.Elapsed
        let task =
            match Seq.tryLast tasks with
            | Some t when t.Label = r.Task && t.Index = r.TaskIndex -> t
            | _ ->
                let t = { Label = r.Task; Index = r.TaskIndex; Count = r.Tasks; StageCount = r.Stages; Stages = List(); Started = now }
                tasks.Add t
                t
        task.Count <- r.Tasks
        task.StageCount <- r.Stages
        let stage =
            match Seq.tryLast task.Stages with
            | Some s when s.Name = r.Stage && s.Ended.IsNone -> s
            | _ ->
                let s = { Name = r.Stage; Step = 0; Steps = r.Steps; Loss = nan; Phase = r.Phase; Started = now; Ended = None; LastLine = now }
                task.Stages.Add s
                s
        stage.Step <- r.Step
        stage.Steps <- r.Steps
        stage.Loss <- r.Loss
        stage.Phase <- r.Phase
        if r.Finished then stage.Ended <- Some now
        task, stage

let private inv = Globalization.CultureInfo.InvariantCulture
let private loss (v: float) = if Double.IsNaN v then "-" else v.ToString("0.000e+00", inv)

let private clockText (t: TimeSpan) =
    if t.TotalHours >= 1.0 then sprintf "%d:%02d:%02d" (int t.TotalHours) t.Minutes t.Seconds
    else sprintf "%02d:%02d" t.Minutes t.Seconds

let private fraction (step: int) (steps: int) = if steps <= 0 then 1.0 else min 1.0 (float step / float steps)

/// Fraction of all training done: tasks count equally, stages equally within a task.
let private overall (b: Board) =
    match Seq.tryLast b.Tasks with
    | None -> 0.0
    | Some t ->
        let within =
            match Seq.tryLast t.Stages with
            | None -> 0.0
            | Some s ->
                let doneStages = float (t.Stages.Count - 1) + (if s.Ended.IsSome then 1.0 else fraction s.Step s.Steps)
                doneStages / float (max 1 t.StageCount)
        (float (t.Index - 1) + min 1.0 within) / float (max 1 t.Count)

let private eta (elapsed: TimeSpan) (f: float) =
    if f <= 0.02 || f >= 1.0 then "" else "ETA " + clockText (TimeSpan.FromSeconds(elapsed.TotalSeconds * (1.0 - f) / f))

// ---- live display ----

let private bar (width: int) (f: float) (colour: string) =
    let filled = int (Math.Round(f * float width))
    sprintf "[%s]%s[/][grey]%s[/]" colour (String('━', filled)) (String('─', width - filled))

let private stageLine (now: TimeSpan) (s: StageState) =
    let elapsed = (defaultArg s.Ended now) - s.Started
    let f = if s.Ended.IsSome then 1.0 else fraction s.Step s.Steps
    let mark, colour = if s.Ended.IsSome then "[green]✓[/]", "green" else "[yellow]▸[/]", "yellow"
    // The L-BFGS polish reports only when it ends: no ETA while it runs.
    let tail =
        if s.Ended.IsSome then ""
        elif s.Phase = "L-BFGS" then "[grey]L-BFGS polish[/]"
        else eta elapsed f
    Markup(
        sprintf "   %s %-22s %s %6d/%-6d loss %s  %s %s"
            mark (Markup.Escape s.Name) (bar 24 f colour) s.Step s.Steps (loss s.Loss) (clockText elapsed) tail)

let private render (b: Board) : Rendering.IRenderable =
    let now = b.Elapsed
    let lines = List<Rendering.IRenderable>()
    let last = b.Tasks.Count - 1
    for i in 0 .. last do
        let t = b.Tasks[i]
        // Tasks before the current one collapse to one line each: their stages, final loss and time.
        if i < last then
            let ended = t.Stages |> Seq.choose (fun s -> s.Ended) |> Seq.fold max t.Started
            let steps = t.Stages |> Seq.sumBy (fun s -> s.Steps)
            let final = if t.Stages.Count = 0 then nan else t.Stages[t.Stages.Count - 1].Loss
            lines.Add(Markup(sprintf " [green]✓[/] %s  [grey]%d %s, %d steps, loss %s, %s[/]"
                                 (Markup.Escape t.Label) t.Stages.Count (if t.Stages.Count = 1 then "stage" else "stages")
                                 steps (loss final) (clockText (ended - t.Started))))
        else
            let running = t.Stages.Count < t.StageCount || t.Stages |> Seq.exists (fun s -> s.Ended.IsNone)
            lines.Add(Markup(sprintf " %s [bold]%s[/]" (if running then "[yellow]▸[/]" else "[green]✓[/]") (Markup.Escape t.Label)))
            for s in t.Stages do lines.Add(stageLine now s)
    let f = overall b
    let count = match Seq.tryLast b.Tasks with Some t -> sprintf "task %d of %d" t.Index t.Count | None -> "starting"
    lines.Add(Markup(sprintf " [bold]overall[/] %-14s  %s %3.0f%%  %s %s" count (bar 30 f "blue") (100.0 * f) (clockText now) (eta now f)))
    Rows(lines)

let private runLive (work: (ProgressReport -> unit) option -> 'a) : 'a =
    let board = Board()
    // Spectre writes to the real standard error, never to a replaced Console.Error.
    use stderr = new IO.StreamWriter(Console.OpenStandardError(), Text.UTF8Encoding(false), AutoFlush = true)
    let console =
        AnsiConsole.Create(
            AnsiConsoleSettings(
                Out = AnsiConsoleOutput(stderr),
                Ansi = AnsiSupport.Yes,
                ColorSystem = ColorSystemSupport.Detect,
                Interactive = InteractionSupport.Yes))
    // Training and drawing share one thread: TorchSharp 0.107 leaves some native Scalars to the garbage collector,
    // and a collection triggered by another thread's allocations can free one during a native call. So the display
    // moves when training reports (every logged epoch, and at least every 2 s of Adam), at most 10 times a second.
    LiveDisplay(console, Text(""))
        .AutoClear(false)
        .Overflow(VerticalOverflow.Ellipsis)
        .Cropping(VerticalOverflowCropping.Top)
        .Start(fun ctx ->
            let mutable drawn = TimeSpan.FromSeconds -1.0
            let draw () =
                drawn <- board.Elapsed
                ctx.UpdateTarget(render board)
            let report (r: ProgressReport) =
                board.Add r |> ignore
                if r.Finished || r.Phase = "L-BFGS" || board.Elapsed - drawn >= TimeSpan.FromMilliseconds 100.0 then draw ()
            let result = work (Some report)
            draw ()
            result)

// ---- plain lines ----

let private runPlain (work: (ProgressReport -> unit) option -> 'a) : 'a =
    let board = Board()
    let line (t: TaskState) (s: StageState) (what: string) =
        eprintfn "[%d/%d] %s | %s: %s %d/%d steps, loss %s, %s (total %s)"
            t.Index t.Count t.Label s.Name what s.Step s.Steps (loss s.Loss)
            (clockText ((defaultArg s.Ended board.Elapsed) - s.Started)) (clockText board.Elapsed)
    let report (r: ProgressReport) =
        let t, s = board.Add r
        let now = board.Elapsed
        if r.Finished then line t s "done,"
        elif now - s.LastLine >= TimeSpan.FromSeconds 30.0 then
            s.LastLine <- now
            line t s (if r.Phase = "L-BFGS" then "L-BFGS," else "at")
    work (Some report)

let private mode () =
    match Environment.GetEnvironmentVariable "EMULATORS_PROGRESS" |> Option.ofObj |> Option.map (fun s -> s.Trim().ToLowerInvariant()) with
    | Some("live" | "plain" | "off" as m) -> m
    | _ ->
        let ci = not (String.IsNullOrEmpty(Environment.GetEnvironmentVariable "CI"))
        let dumb = Environment.GetEnvironmentVariable "TERM" = "dumb"
        if Console.IsErrorRedirected || ci || dumb then "plain" else "live"

/// Run `work` with a progress callback: a live display or plain lines on stderr, or None when `enabled` is false.
let run (enabled: bool) (work: (ProgressReport -> unit) option -> 'a) : 'a =
    if not enabled then work None
    else
        match mode () with
        | "off" -> work None
        | "live" -> runLive work
        | _ -> runPlain work
