/// The typed model of a stored run record. A record keeps its model as the five strings the run's key spells
/// (architecture, model, encoding, LF mode, strategy); readers parse them here, once, through the same names tables
/// that wrote them (RunModel's name helpers), and then match on the union instead of comparing text.
module Emulators.Core.Assessment.RecordModel

open Emulators.Core

/// The value whose canonical name is `text`. Only canonical names: records are written with them, so parsing is
/// the exact inverse of writing and an alias in a record means the record was not written by a run.
let private canonical (r: RunRecord) (field: string) (table: Names.Table<'T>) (text: string) : 'T =
    match Names.values table |> List.tryFind (fun v -> Names.name table v = text) with
    | Some v -> v
    | None -> Errors.fail "record '%s': field %s: unknown %s '%s' (%s)" r.Key field (Names.what table) text (Names.expected table)

/// A field that does not apply to the record's model must say so.
let private notApplicable (r: RunRecord) (field: string) (why: string) (text: string) =
    if text <> RunModel.NotApplicable then
        Errors.fail "record '%s': field %s is '%s' but must be '%s' (%s)" r.Key field text RunModel.NotApplicable why

let private gp (r: RunRecord) =
    notApplicable r "encoding" "a GP has no encoder" r.Encoding
    notApplicable r "strategy" "a GP has no training strategy" r.Strategy
    match canonical r "model" Gp.GpKind.names r.Model with
    | Gp.SingleFidelity ->
        notApplicable r "lf" "the single-fidelity GP has no LF sources" r.Lf
        RunModel.GaussianProcess(Gp.SingleFidelity, None)
    | kind -> RunModel.GaussianProcess(kind, Some(canonical r "lf" Experiment.LfMode.names r.Lf))

let private network (r: RunRecord) =
    let arch = canonical r "architecture" Architecture.names r.Architecture
    match canonical r "model" ModelKind.names r.Model with
    | ModelKind.SingleFidelity ->
        notApplicable r "encoding" "the single-fidelity baseline has no encoder" r.Encoding
        notApplicable r "lf" "the single-fidelity baseline has no LF sources" r.Lf
        notApplicable r "strategy" "the single-fidelity baseline has no training strategy" r.Strategy
        RunModel.Network(arch, NetworkModel.SingleFidelity)
    | ModelKind.MultiFidelity ->
        let encoding = canonical r "encoding" EncodingKind.names r.Encoding
        let lf =
            match canonical r "lf" Experiment.LfMode.names r.Lf with
            | Experiment.ExactLf ->
                notApplicable r "strategy" "exact LF has no training strategy" r.Strategy
                NetworkLf.Exact
            | Experiment.LearnedLf -> NetworkLf.Learned(canonical r "strategy" Strategy.names r.Strategy)
        RunModel.Network(arch, NetworkModel.MultiFidelity { Encoding = encoding; Lf = lf })

/// The model of the run a record stores; an EmulatorError naming the record's key and the field for a name no
/// table knows or a field that contradicts the others.
let ofRecord (r: RunRecord) : RunModel =
    if r.Architecture = RunModel.GpArchitecture then gp r else network r
