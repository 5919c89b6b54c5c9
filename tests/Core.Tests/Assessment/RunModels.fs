/// Run models for the tests that build run configurations by hand.
module RunModels

open Emulators.Core
open Emulators.Core.Assessment

/// The multi-fidelity network of an architecture, encoding and LF sources.
let mf (arch: Architecture) (encoding: EncodingKind) (lf: NetworkLf) =
    RunModel.Network(arch, NetworkModel.MultiFidelity { Encoding = encoding; Lf = lf })
