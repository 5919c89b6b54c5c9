/// `emulators export`: a built-in problem's data as CSV files, the same data `emulators run` trains on.
module Emulators.Cli.ExportCommand

open System.IO
open Argu
open Emulators.Core
open Emulators.Cli.Args

let execute (args: ParseResults<ExportArgs>) =
    Native.init 1
    let p = Problems.Catalogue.find (args.GetResult ExportArgs.Problem)
    let nh = args.GetResult(ExportArgs.Nh, defaultValue = List.head p.HfSizes)
    let seed = args.GetResult(ExportArgs.Seed, defaultValue = OptionSpec.seed.Default)
    let dir = args.GetResult ExportArgs.Out
    Directory.CreateDirectory dir |> ignore
    let names d = Array.init d (fun j -> sprintf "x%d" (j + 1))
    let write file (x: float[][]) (y: float[]) =
        let path = Path.Combine(dir, file)
        Csv.write path (Array.append (names x[0].Length) [| "y" |]) (Array.map2 (fun r v -> Array.append r [| v |]) x y)
        printfn "wrote %s (%d rows)" path x.Length
    let design = Read.named "design" Experiment.HfDesign.names Experiment.SobolOffset (args.TryGetResult ExportArgs.Design)
    let xh = Experiment.hfPointsIn design p nh seed
    write "hf.csv" xh (Experiment.evaluate p.Hf xh)
    for s in p.Sources do
        let xl = Experiment.lfPoints s p.LfSize seed
        write (sprintf "lf-%s.csv" s.Name) xl (Experiment.evaluate s.Eval xl)
    let xt = Experiment.testPoints p
    write "test.csv" xt (Experiment.evaluate p.Hf xt)
    0
