/// Bad inputs get clear errors that name what is wrong and where.
module InputTests

open Expecto
open Emulators.Core
open TestUtil

let mlp = MlpBlock { Depth = 1; Width = 4 }
let spec = { Correlation = mlp; Surrogate = mlp; Encoding = NoEncoding; Precision = Tensors.Float64 }
let quick = { TrainConfig.defaults with Schedule = { AdamEpochs = 2; LearningRate = 1e-3; LbfgsIterations = 0 }; SurrogateSchedule = { AdamEpochs = 2; LearningRate = 1e-3; LbfgsIterations = 0 } }
let box1 = Box.unit 1
let hf = { X = [| [| 0.0 |]; [| 0.5 |]; [| 1.0 |] |]; Y = [| 1.0; 2.0; 3.0 |] }
let fit h sources = Fit.fit quick spec box1 h sources [| 0 |]

[<Tests>]
let tests =
    testList "Bad input" [
        test "NaN in HF outputs names the index" {
            throwsUserError [ "HF outputs"; "index 1" ] (fun () -> fit { hf with Y = [| 1.0; nan; 3.0 |] } [])
        }
        test "NaN in HF inputs names row and column" {
            throwsUserError [ "HF inputs"; "row 2"; "column 0" ] (fun () -> fit { hf with X = [| [| 0.0 |]; [| 0.5 |]; [| nan |] |] } [])
        }
        test "NaN in LF data names the source" {
            let src = Learned("coarse", None, [| [| 0.0 |]; [| 1.0 |] |], [| 1.0; infinity |])
            throwsUserError [ "coarse"; "not finite" ] (fun () -> fit hf [ src ])
        }
        test "fewer than 2 HF points" {
            throwsUserError [ "at least 2 points"; "got 1" ] (fun () -> fit { X = [| [| 0.0 |] |]; Y = [| 1.0 |] } [])
        }
        test "HF rows of the wrong width" {
            throwsUserError [ "HF inputs"; "row 1"; "2 columns, expected 1" ] (fun () -> fit { hf with X = [| [| 0.0 |]; [| 0.5; 0.1 |]; [| 1.0 |] |] } [])
        }
        test "inputs and outputs of different lengths" {
            throwsUserError [ "3 input rows but 2 outputs" ] (fun () -> fit { hf with Y = [| 1.0; 2.0 |] } [])
        }
        test "LF source with other inputs than the HF model and no encoding" {
            let src = Learned("wide", None, [| [| 0.0; 0.0 |]; [| 1.0; 1.0 |]; [| 0.5; 0.2 |] |], [| 1.0; 2.0; 3.0 |])
            throwsUserError [ "wide"; "2 inputs"; "HF model has 1"; "encoding" ] (fun () -> fit hf [ src ])
        }
        test "two sources with one name" {
            let src = Learned("a", None, [| [| 0.0 |]; [| 1.0 |] |], [| 1.0; 2.0 |])
            throwsUserError [ "two LF sources"; "'a'" ] (fun () -> fit hf [ src; src ])
        }
        test "negative penalty" {
            throwsUserError [ "lambda" ] (fun () -> Fit.fit { quick with Lambda = -1.0 } spec box1 hf [] [| 0 |])
        }
        test "unknown problem name lists the known ones" {
            throwsUserError [ "unknown problem 'K99'"; "K1" ] (fun () -> Problems.Catalogue.find "K99")
        }
        test "unknown architecture name" {
            throwsUserError [ "unknown architecture 'resnet'"; "mlp" ] (fun () -> Block.ofName "resnet" 2 8)
        }
        test "prediction input of the wrong width" {
            let r = fit hf []
            throwsUserError [ "predict input"; "row 0"; "2 columns, expected 1" ] (fun () -> Emulator.predict r.Emulator [| [| 0.1; 0.2 |] |])
        }
        test "empty box and inverted bounds" {
            throwsUserError [ "lower bound 1 is not below upper bound 0" ] (fun () -> Box.create [| 1.0 |] [| 0.0 |])
        }
    ]
