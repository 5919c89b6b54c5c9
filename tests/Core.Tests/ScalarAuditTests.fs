/// The check that keeps the library free of implicit native Scalars (see ScalarAudit), and proof that it can fail.
module ScalarAuditTests

open Expecto
open TorchSharp
open ScalarAudit

type private Tensor = torch.Tensor

/// Known-bad code, compiled into this test assembly so that the audit has something it must find.
module KnownBad =
    let timesNumber (t: Tensor) = t * 2.0
    let plusTensor (a: Tensor) (b: Tensor) = a + b
    let addWithoutAlpha (a: Tensor) (b: Tensor) = a.add(b)
    let readNumber (t: Tensor) = t.ToDouble()
    let implicitOperand (t: Tensor) = t.mul(TorchSharp.Scalar.op_Implicit 3.0)
    /// The explicit forms: an owned Scalar, and tensor ops that take none.
    let fine (a: Tensor) (b: Tensor) = (a - b).mul(b).sum()

/// Modules of the library that may create a Scalar: the helpers that own them.
let private helpers = [ "Emulators.Core.Tensors" ]

/// No code is exempt from the audit.
let private pendingConversion : string list = []

let private sample = "ScalarAuditTests/KnownBad"

[<Tests>]
let tests =
    testList "implicit scalar audit" [
        test "the deny list derived from TorchSharp holds the members its source shows creating a hidden Scalar" {
            let hiders, creators = hiddenScalarMembers (torchSharpPath ())
            let has k = Expect.isTrue (hiders.Contains k) (sprintf "deny list lacks %s" k)
            let hasNot k = Expect.isFalse (hiders.Contains k) (sprintf "deny list wrongly holds %s" k)
            // Tensor.Operators.cs / Tensor.Math.cs: add(Tensor) => add(target, 1); `*` with a double => mul(Scalar).
            has "TorchSharp.torch/Tensor::add(Tensor):Tensor"
            has "TorchSharp.torch/Tensor::add_(Tensor):Tensor"
            has "TorchSharp.torch/Tensor::add(Scalar):Tensor"
            has "TorchSharp.torch/Tensor::op_Addition(Tensor,Tensor):Tensor"
            has "TorchSharp.torch/Tensor::op_Multiply(Tensor,Double):Tensor"
            has "TorchSharp.torch/Tensor::op_Subtraction(Double,Tensor):Tensor"
            // TensorExtensionMethods.cs: ToDouble(this Tensor) => value.ToScalar().ToDouble().
            has "TorchSharp.TensorExtensionMethods::ToDouble(Tensor):Double"
            // THSTensor_sub, THSTensor_mul, add with an explicit alpha: no Scalar of their own.
            hasNot "TorchSharp.torch/Tensor::sub(Tensor):Tensor"
            hasNot "TorchSharp.torch/Tensor::mul(Tensor):Tensor"
            hasNot "TorchSharp.torch/Tensor::mul(Scalar):Tensor"
            hasNot "TorchSharp.torch/Tensor::add(Tensor,Scalar):Tensor"
            hasNot "TorchSharp.torch/Tensor::op_Subtraction(Tensor,Tensor):Tensor"
            Expect.isTrue (creators.Contains "TorchSharp.Scalar::op_Implicit(Double):Scalar") "op_Implicit creates"
        }

        test "the audit finds every known-bad call in a sample and passes the explicit forms" {
            let found =
                audit (torchSharpPath ()) (assemblyPath "Core.Tests.dll") [] []
                |> List.filter (fun v -> v.Method.StartsWith sample)
            let at (f: string) (call: string) =
                Expect.isTrue
                    (found |> List.exists (fun v -> v.Method.StartsWith(sample + "::" + f + "(") && v.Call.Contains call))
                    (sprintf "audit missed %s in %s; found:\n%s" call f (describe found))
            at "timesNumber" "op_Multiply(Tensor,Double)"
            at "plusTensor" "op_Addition(Tensor,Tensor)"
            at "addWithoutAlpha" "::add(Tensor):Tensor"
            at "readNumber" "ToDouble(Tensor)"
            at "implicitOperand" "Scalar::op_Implicit(Double)"
            Expect.isFalse (found |> List.exists (fun v -> v.Method.StartsWith(sample + "::fine("))) "explicit forms pass"
        }

        test "no library method outside the Scalar helpers makes TorchSharp create a Scalar it does not own" {
            for dll in [ "Emulators.Core.dll"; "emulators.dll"; "Emulators.Api.dll" ] do
                let path = assemblyPath dll
                if System.IO.File.Exists path then
                    let vs = audit (torchSharpPath ()) path helpers pendingConversion
                    Expect.isEmpty vs (sprintf "%s: %d implicit Scalar uses (use the helpers in Tensors):\n%s" dll vs.Length (describe vs))
                elif dll = "Emulators.Core.dll" then failtestf "missing %s" path
        }
    ]
