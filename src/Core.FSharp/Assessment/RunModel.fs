/// What one assessment run trains, typed: a network of an architecture (the multi-fidelity emulator with its
/// encoder and LF sources, or the single-fidelity baseline) or a Gaussian-process baseline. Experiment files name
/// these through the names tables and Sweep.load parses them once; the run's key and record spell them back with
/// the tables' canonical names, and "none" where a field does not apply.
namespace Emulators.Core.Assessment

open Emulators.Core

/// Which network a run trains.
[<RequireQualifiedAccess>]
type ModelKind =
    | MultiFidelity
    | SingleFidelity

module ModelKind =
    let names = Names.table "model" [ "mf", [], ModelKind.MultiFidelity; "sf", [], ModelKind.SingleFidelity ]

/// The LF sources of a multi-fidelity network run: the exact LF functions, or surrogates learned from LF samples
/// and trained with a strategy (a strategy matters for learned LF only, so exact LF has none).
[<RequireQualifiedAccess>]
type NetworkLf =
    | Exact
    | Learned of Strategy

module NetworkLf =
    let mode =
        function
        | NetworkLf.Exact -> Experiment.ExactLf
        | NetworkLf.Learned _ -> Experiment.LearnedLf

/// The multi-fidelity emulator of a network run.
type MultiFidelityRun = { Encoding: EncodingKind; Lf: NetworkLf }

/// What a network run trains beside its architecture.
[<RequireQualifiedAccess>]
type NetworkModel =
    | MultiFidelity of MultiFidelityRun
    /// The baseline on the HF data alone: no encoder, no LF sources.
    | SingleFidelity

/// The model of one run. A GP baseline's LF mode is None for the single-fidelity GP (it has no LF sources).
[<RequireQualifiedAccess>]
type RunModel =
    | Network of Architecture * NetworkModel
    | GaussianProcess of Gp.GpKind * Experiment.LfMode option

module RunModel =
    /// A key's or record's field that does not apply to the run (SF encoding, exact LF's strategy, a GP's encoder).
    [<Literal>]
    let NotApplicable = "none"

    /// The architecture field of a GP run's key and record (its model field names the GP: gp, ar1 or nargp).
    [<Literal>]
    let GpArchitecture = "gp"

    let isGp =
        function
        | RunModel.GaussianProcess _ -> true
        | RunModel.Network _ -> false

    let architectureName =
        function
        | RunModel.Network(arch, _) -> Names.name Architecture.names arch
        | RunModel.GaussianProcess _ -> GpArchitecture

    let modelName =
        function
        | RunModel.Network(_, NetworkModel.MultiFidelity _) -> Names.name ModelKind.names ModelKind.MultiFidelity
        | RunModel.Network(_, NetworkModel.SingleFidelity) -> Names.name ModelKind.names ModelKind.SingleFidelity
        | RunModel.GaussianProcess(kind, _) -> Gp.GpKind.name kind

    let encodingName =
        function
        | RunModel.Network(_, NetworkModel.MultiFidelity mf) -> Names.name EncodingKind.names mf.Encoding
        | _ -> NotApplicable

    /// The run's LF mode; None for the single-fidelity models.
    let lfMode =
        function
        | RunModel.Network(_, NetworkModel.MultiFidelity mf) -> Some(NetworkLf.mode mf.Lf)
        | RunModel.Network(_, NetworkModel.SingleFidelity) -> None
        | RunModel.GaussianProcess(_, lf) -> lf

    let lfName (m: RunModel) = lfMode m |> Option.map Experiment.LfMode.name |> Option.defaultValue NotApplicable

    let strategyName =
        function
        | RunModel.Network(_, NetworkModel.MultiFidelity { Lf = NetworkLf.Learned s }) -> Strategy.name s
        | _ -> NotApplicable
