/// The correlation-based multi-fidelity emulator (paper §2–3):
///   ŷ_H(x) = F_l(u) + F_nl(u),  u = [x; ŷ_L,1(E_1(x)); …; ŷ_L,n(E_n(x))]
/// with F_l affine, F_nl any block, each LF source exact (a function) or learned (a surrogate block), and an
/// optional encoder E_i per source mapping HF coordinates into that source's input space.
/// All networks work in scaled coordinates: inputs in [-1, 1], outputs standardized.
namespace Emulators.Core

open TorchSharp
open Emulators.Core.Tensors

/// How HF coordinates reach an LF source.
type Encoding =
    /// The HF point itself (the source must share the HF input dimension).
    | NoEncoding
    /// E(x) = A x + c, starting at the identity in physical units, or at the leading-inputs projection when the
    /// dimensions differ (see Emulator.passThrough).
    | AffineEncoding
    /// A block g added to the physical identity (equal dimensions) or to the leading-inputs projection: E(x) = P x + g(x).
    | NonlinearEncoding of BlockSpec

/// The encoding a user chooses; a nonlinear encoder's block follows from the architecture (Encoding.ofKind).
[<RequireQualifiedAccess>]
type EncodingKind =
    | None
    | Affine
    | Nonlinear

module EncodingKind =
    let names =
        Names.table "encoding" [ "none", [], EncodingKind.None; "affine", [ "linear" ], EncodingKind.Affine; "nonlinear", [], EncodingKind.Nonlinear ]

module Encoding =
    let kind =
        function
        | NoEncoding -> EncodingKind.None
        | AffineEncoding -> EncodingKind.Affine
        | NonlinearEncoding _ -> EncodingKind.Nonlinear

    /// The encoding of a kind; a nonlinear encoder is a one-layer block of 16 units of the architecture.
    let ofKind (settings: BlockSettings) (arch: Architecture) (kind: EncodingKind) =
        match kind with
        | EncodingKind.None -> NoEncoding
        | EncodingKind.Affine -> AffineEncoding
        | EncodingKind.Nonlinear -> NonlinearEncoding(Block.ofArchitecture settings arch 1 16)

/// An LF source as the user supplies it.
type SourceSpec =
    /// The LF function itself, evaluated inside the emulator (no surrogate, no LF loss).
    | Exact of SourceFunction
    /// LF samples; a surrogate block is trained on them. The box is the source's input space (None: the data's range).
    | Learned of name: string * domain: Box option * x: float[][] * y: float[]

/// An LF source inside a built emulator.
type SourceLink =
    { Name: string
      Domain: Box
      InputScale: Affine1
      OutputScale: Affine1
      Exact: Model option
      Surrogate: Params option
      Encoder: Params option }

type EmulatorSpec =
    { /// Family and size of F_nl (and of the single-fidelity network when there are no sources).
      Correlation: BlockSpec
      /// Family and size of the LF surrogates.
      Surrogate: BlockSpec
      Encoding: Encoding
      Precision: Precision }

type Emulator =
    { Spec: EmulatorSpec
      Domain: Box
      InputScale: Affine1
      OutputScale: Affine1
      Sources: SourceLink list
      /// F_l; None for a single-fidelity network (ŷ = F_nl(x) alone).
      Linear: Params option
      Nonlinear: Params
      Members: int
      /// Output standardization of each member when members were trained on different HF subsets
      /// (TrainConfig.MemberHfMask); None: every member uses OutputScale. When present, OutputScale is member 0's.
      MemberOutputScales: Affine1[] option
      /// A Gaussian-process emulator (single-fidelity GP, AR1 or NARGP) in place of the networks: when present,
      /// predictions come from it and the network fields are empty.
      Gaussian: Gp.GpEmulator option }

/// A prediction split into the linear and nonlinear branches (Value = Linear + Nonlinear), physical units.
type Prediction =
    { Value: float[]
      Linear: float[]
      Nonlinear: float[] }

module Emulator =
    /// The pass-through start of an encoder in scaled units: LF input i reads HF input i in physical units,
    /// z_i = scale[i] x_i + shift[i] with x and z the scaled HF and LF coordinates, for i below both dimensions;
    /// LF inputs beyond the HF ones start at the centre of their range (scale and shift 0). With equal input boxes
    /// this is the identity (the leading-inputs projection when the dimensions differ).
    let passThrough (hfScale: Affine1) (lfScale: Affine1) : float[] * float[] =
        let dH = hfScale.Shift.Length
        let dL = lfScale.Shift.Length
        Array.init dL (fun i -> if i < dH then hfScale.Scale[i] / lfScale.Scale[i] else 0.0),
        Array.init dL (fun i -> if i < dH then (hfScale.Shift[i] - lfScale.Shift[i]) / lfScale.Scale[i] else 0.0)

    let private encoderBlock (enc: Encoding) =
        match enc with
        | NoEncoding -> None
        | AffineEncoding -> Some AffineBlock
        | NonlinearEncoding b -> Some b

    /// Maps scaled HF coordinates [E, N, d_H] to scaled coordinates of source `s` [E, N, d_L].
    let encode (m: Emulator) (s: SourceLink) (xs: Tensor) : Tensor =
        match m.Spec.Encoding, s.Encoder with
        | NoEncoding, _
        | _, None -> Affine1.apply s.InputScale (Affine1.invert m.InputScale xs)
        | enc, Some p ->
            let b = (encoderBlock enc).Value
            let g = Block.apply b p xs
            let z =
                match enc with
                | NonlinearEncoding _ when s.Domain.Dim = m.Domain.Dim -> Affine1.apply s.InputScale (Affine1.invert m.InputScale xs) .+ g
                | NonlinearEncoding _ ->
                    // Residual on the pass-through of the leading inputs (see passThrough).
                    let dL = int64 s.Domain.Dim
                    let dH = int64 m.Domain.Dim
                    let lead = xs.narrow(-1L, 0L, min dL dH)
                    let padded = if dL <= dH then lead else torch.cat([| lead; torch.zeros_like(xs.narrow(-1L, 0L, 1L)).expand(-1L, -1L, dL - dH) |], -1L)
                    let scale, shift = passThrough m.InputScale s.InputScale
                    padded * Tensors.create scale [| dL |] xs.dtype .+ Tensors.create shift [| dL |] xs.dtype .+ g
                | _ -> g
            // LF surrogates extrapolate badly: keep encoded points inside the source's domain.
            Tensors.clampTo -1.0 1.0 z

    /// Standardized LF value of source `s` at scaled source coordinates z: [E, N, 1].
    let sourceValue (s: SourceLink) (z: Tensor) (spec: EmulatorSpec) : Tensor =
        match s.Exact, s.Surrogate with
        | Some f, _ -> Affine1.apply s.OutputScale ((f (Affine1.invert s.InputScale z)).unsqueeze(-1))
        | None, Some p -> Block.apply spec.Surrogate p z
        | None, None -> failwithf "source %s has neither a function nor a surrogate" s.Name

    /// u = [x; y_L,1; …; y_L,n] in scaled units.
    let features (m: Emulator) (xs: Tensor) : Tensor =
        if m.Sources.IsEmpty then xs
        else
            let ys = m.Sources |> List.map (fun s -> sourceValue s (encode m s xs) m.Spec)
            torch.cat(Array.ofList (xs :: ys), -1L)

    /// The two branches in scaled output units, each [E, N, 1].
    let branches (m: Emulator) (xs: Tensor) : Tensor * Tensor =
        let u = features m xs
        let nl = Block.apply m.Spec.Correlation m.Nonlinear u
        let lin =
            match m.Linear with
            | Some p -> Affine.apply p u
            | None -> torch.zeros_like nl
        lin, nl

    /// The network output ŷ = F_l(u) + F_nl(u) from features u (see `features`), scaled units, [E, N, 1].
    let forwardFeatures (m: Emulator) (u: Tensor) =
        let nl = Block.apply m.Spec.Correlation m.Nonlinear u
        match m.Linear with
        | Some p -> Affine.apply p u .+ nl
        | None -> nl

    let forwardScaled (m: Emulator) (xs: Tensor) = forwardFeatures m (features m xs)

    /// The output standardization of member e.
    let outputScale (m: Emulator) (e: int) =
        match m.MemberOutputScales with
        | Some scales -> scales[e]
        | None -> m.OutputScale

    /// Scale physical points [N, d] to the emulator's network coordinates, repeated for every member: [E, N, d].
    let scaleInputs (m: Emulator) (x: float[][]) : Tensor =
        use _ = torch.no_grad ()
        let t = Affine1.apply m.InputScale (Tensors.ofRows m.Spec.Precision x)
        t.unsqueeze(0).expand(int64 m.Members, -1L, -1L).contiguous()

    let private checkPoints (m: Emulator) (x: float[][]) =
        if x.Length = 0 then Errors.fail "predict: no points given"
        Errors.requireMatrix "predict input" m.Domain.Dim x

    /// Predictions of every member from scaled inputs [E, N, d]: [member][point], physical units.
    let private predictScaled (m: Emulator) (points: int) (xs: Tensor) : Prediction[] =
        let lin, nl = branches m xs
        let rows (t: Tensor) = Tensors.toArray t |> Array.chunkBySize points
        let l = rows lin
        let n = rows nl
        Array.init m.Members (fun e ->
            let s = outputScale m e
            let scale = s.Scale[0]
            let shift = s.Shift[0]
            let linear = l[e] |> Array.map (fun v -> v * scale + shift)
            let nonlinear = n[e] |> Array.map (fun v -> v * scale)
            { Value = Array.map2 (+) linear nonlinear; Linear = linear; Nonlinear = nonlinear })

    /// Predictions of every member: [member][point], with the linear and nonlinear parts (for a Gaussian-process
    /// emulator, its one member: the mean function's part and the GP residual's part).
    let predictMembers (m: Emulator) (x: float[][]) : Prediction[] =
        match m.Gaussian with
        | Some g ->
            checkPoints m x
            let p = Gp.GpEmulator.predict g x
            [| { Value = p.Mean; Linear = p.Trend; Nonlinear = Array.map2 (-) p.Mean p.Trend } |]
        | None ->
            checkPoints m x
            use _ = torch.NewDisposeScope()
            use _ = torch.no_grad ()
            predictScaled m x.Length (scaleInputs m x)

    /// Predictions of member e at its own points xs[e] (every member as many points): [member][point]. Member e
    /// gets the numbers `predictMembers` gives it when all members are asked about xs[e].
    let predictEach (m: Emulator) (xs: float[][][]) : Prediction[] =
        if xs.Length <> m.Members then Errors.fail "predict: %d point sets for %d members" xs.Length m.Members
        xs |> Array.iter (checkPoints m)
        let n = xs[0].Length
        if xs |> Array.exists (fun x -> x.Length <> n) then Errors.fail "predict: every member needs as many points (%d)" n
        use _ = torch.NewDisposeScope()
        use _ = torch.no_grad ()
        let t = Affine1.apply m.InputScale (Tensors.ofRows m.Spec.Precision (Array.concat xs))
        predictScaled m n (t.reshape(int64 m.Members, int64 n, -1L))

    /// Every parameter set of the emulator (surrogates, encoders, F_l, F_nl) through `f`.
    let private mapParams (f: Params -> Params) (m: Emulator) =
        { m with
            Sources = m.Sources |> List.map (fun s -> { s with Surrogate = Option.map f s.Surrogate; Encoder = Option.map f s.Encoder })
            Linear = Option.map f m.Linear
            Nonlinear = f m.Nonlinear }

    /// Member e alone, as a one-member emulator (its parameters are views of the ensemble's).
    let memberOf (m: Emulator) (e: int) : Emulator =
        if e < 0 || e >= m.Members then Errors.fail "member %d does not exist (the ensemble has %d)" e m.Members
        let slice (p: Params) : Params = p |> List.map (fun (n, t) -> n, t.narrow(0L, int64 e, 1L))
        { mapParams slice m with OutputScale = outputScale m e; MemberOutputScales = None; Members = 1 }

    /// Members `members` (in that order) as an ensemble of their own: fresh leaf tensors holding copies of their
    /// rows, trainable where the ensemble's are (what L-BFGS trains once the other members have stopped).
    let selectMembers (members: int[]) (m: Emulator) : Emulator =
        for e in members do
            if e < 0 || e >= m.Members then Errors.fail "member %d does not exist (the ensemble has %d)" e m.Members
        use _ = torch.no_grad ()
        use idx = Tensors.indices members
        let select (p: Params) : Params =
            p |> List.map (fun (n, t) ->
                let r = t.index_select(0L, idx)
                n, (if t.requires_grad then r.requires_grad_(true) else r).DetachFromDisposeScope())
        { mapParams select m with
            OutputScale = outputScale m members[0]
            MemberOutputScales = m.MemberOutputScales |> Option.map (fun scales -> members |> Array.map (fun e -> scales[e]))
            Members = members.Length }

    /// Prediction of the first (or only) member.
    let predict (m: Emulator) (x: float[][]) : Prediction = (predictMembers m x)[0]

    /// The affine encoders of member 0 in physical units, z = A x + c with A as d_L rows of d_H coefficients (before
    /// the clamp to the source's domain), for reading what an encoder learned. Empty unless the encoding is affine.
    let affineEncoders (m: Emulator) : (string * float[][] * float[]) list =
        match m.Spec.Encoding with
        | AffineEncoding ->
            m.Sources
            |> List.choose (fun s ->
                s.Encoder
                |> Option.map (fun p ->
                    use _ = torch.no_grad ()
                    let dH = m.Domain.Dim
                    let dL = s.Domain.Dim
                    // W is [E, d_H, d_L] (z = x W + b) in scaled units on both sides.
                    let w = Tensors.toArray ((Params.get "W" p).narrow(0L, 0L, 1L).detach())
                    let b = Tensors.toArray ((Params.get "b" p).narrow(0L, 0L, 1L).detach())
                    let aH, sH = m.InputScale.Scale, m.InputScale.Shift
                    let aL, sL = s.InputScale.Scale, s.InputScale.Shift
                    let a = Array.init dL (fun i -> Array.init dH (fun j -> aL[i] * w[j * dL + i] / aH[j]))
                    let c =
                        Array.init dL (fun i ->
                            aL[i] * (b[i] - Array.sum (Array.init dH (fun j -> w[j * dL + i] * sH[j] / aH[j]))) + sL[i])
                    s.Name, a, c))
        | _ -> []

    /// Every trainable tensor, with a name that says where it lives.
    let parameters (m: Emulator) : Params =
        [ for i, s in List.indexed m.Sources do
              match s.Surrogate with
              | Some p -> yield! Params.prefix (sprintf "lf%d" i) p
              | None -> ()
              match s.Encoder with
              | Some p -> yield! Params.prefix (sprintf "enc%d" i) p
              | None -> ()
          match m.Linear with
          | Some p -> yield! Params.prefix "linear" p
          | None -> ()
          yield! Params.prefix "nonlinear" m.Nonlinear ]

    /// Build an untrained emulator. `hfBox` is the HF input space, `hfY` sets the output standardization,
    /// `seeds` holds one seed per ensemble member.
    let create (spec: EmulatorSpec) (hfBox: Box) (hfY: float[]) (sources: SourceSpec list) (seeds: int[]) : Emulator =
        Native.ensure ()
        if seeds.Length < 1 then Errors.fail "an emulator needs at least one member (seed)"
        let ctx = InitContext.create spec.Precision seeds
        let dH = hfBox.Dim
        let link (i: int) (src: SourceSpec) =
            let name, box, exact, surrogate, outScale =
                match src with
                | Exact f ->
                    // Standardize the exact LF output with its statistics on an even sample of its domain.
                    let pts = Sampling.sobol f.Domain.Dim 0 256 |> Sampling.scaleTo f.Domain.Lower f.Domain.Upper
                    let ys =
                        use _ = torch.NewDisposeScope()
                        use _ = torch.no_grad ()
                        Tensors.toArray (f.Eval(Tensors.ofRows spec.Precision pts))
                    Errors.requireFinite (sprintf "LF source '%s' evaluated on its domain" f.Name) ys
                    f.Name, f.Domain, Some f.Eval, None, Affine1.standardize ys
                | Learned(name, box, x, y) ->
                    let b = defaultArg box (Box.ofRows x)
                    name, b, None, Some(Block.init spec.Surrogate ctx b.Dim 1), Affine1.standardize y
            let encoder =
                match spec.Encoding with
                | NoEncoding ->
                    if box.Dim <> dH then
                        Errors.fail "LF source '%s' has %d inputs but the HF model has %d: choose an encoding (affine or nonlinear) to map between them" name box.Dim dH
                    None
                | AffineEncoding ->
                    let scale, shift = passThrough (Affine1.ofBox hfBox) (Affine1.ofBox box)
                    Some(Affine.initDiagonal ctx dH scale shift)
                | NonlinearEncoding b -> Some(Block.init b ctx dH box.Dim)
            { Name = name
              Domain = box
              InputScale = Affine1.ofBox box
              OutputScale = outScale
              Exact = exact
              Surrogate = surrogate
              Encoder = encoder }
        let links = sources |> List.mapi link
        let dU = dH + links.Length
        { Spec = spec
          Domain = hfBox
          InputScale = Affine1.ofBox hfBox
          OutputScale = Affine1.standardize hfY
          Sources = links
          Linear = (if links.IsEmpty then None else Some(Affine.init ctx dU 1))
          Nonlinear = Block.init spec.Correlation ctx dU 1
          Members = seeds.Length
          MemberOutputScales = None
          Gaussian = None }
