/// K1 (paper eq. 4): the Forrester pair, whose HF model is exactly linear in the LF model: y_H = 2 y_L − 20x + 20.
module Emulators.Core.Problems.Forrester

open TorchSharp
open Emulators.Core
open Emulators.Core.Tensors

let private x0 (x: Tensor) = x.select(-1, 0L)

/// y_H(x) = (6x − 2)² sin(12x − 4)
let hf: Model =
    fun x ->
        let x = x0 x
        let a = x *. 6.0 -. 2.0
        a * a * torch.sin (x *. 12.0 -. 4.0)

/// y_L(x) = 0.5 y_H(x) + 10(x − 0.5) − 5
let lf: Model = fun x -> hf x *. 0.5 .+ (x0 x -. 0.5) *. 10.0 -. 5.0

let k1: Problem =
    Problem.oneD "K1"
        "1-D Forrester pair, continuous, exactly linear correlation y_H = 2 y_L - 20x + 20"
        hf
        [ { Name = "LF"; Domain = Box.unit 1; Eval = lf; Differentiable = true } ]
        20.06311632137109
        ("paper: functions (eq. 4), domain, N_H in {8,16,32} + 2 boundary points, norm 20.0631; "
         + "project: N_L = 200 Sobol' LF points, 1000-point test grid")
