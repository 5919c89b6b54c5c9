/// Runs the C# facade tests (tests/Facade.Tests, written in C#) as Expecto tests, one per [FacadeTest] method.
module FacadeRunner

open System.Reflection
open Expecto

[<Tests>]
let tests =
    let asm = typeof<Emulators.Facade.Tests.FacadeTestAttribute>.Assembly
    asm.GetTypes()
    |> Array.collect (fun t -> t.GetMethods(BindingFlags.Public ||| BindingFlags.Static))
    |> Array.filter (fun m -> m.GetCustomAttribute<Emulators.Facade.Tests.FacadeTestAttribute>() <> null)
    |> Array.sortBy (fun m -> m.Name)
    |> Array.map (fun m ->
        testCase m.Name (fun () ->
            try m.Invoke(null, [||]) |> ignore
            with :? TargetInvocationException as e -> raise e.InnerException))
    |> List.ofArray
    |> testList "C# facade"
