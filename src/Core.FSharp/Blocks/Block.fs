/// The one block contract: every family (affine, MLP, SIREN and KAN) is an `init` and an `apply`, so the
/// correlation network, the LF surrogates, the encoders and the single-fidelity baselines can use any of them.
namespace Emulators.Core

open Emulators.Core.Mlp
open Emulators.Core.Siren
open Emulators.Core.Kan

type BlockSpec =
    | AffineBlock
    | MlpBlock of MlpSpec
    | SirenBlock of SirenSpec
    | KanBlock of KanSpec

/// Family-specific settings: SIREN's first-layer frequency and the KAN grid. A family ignores the others' settings.
type BlockSettings =
    { /// SIREN ω0 (default 30).
      Omega0: float
      /// KAN grid intervals (default 5), spline order (default 3) and grid range (default [-1, 1]).
      KanGridSize: int
      KanSplineOrder: int
      KanGridMin: float
      KanGridMax: float }

module BlockSettings =
    /// The families' own defaults (Siren.defaults, Kan.defaults).
    let defaults =
        let s = Siren.defaults 1 1
        let k = Kan.defaults 1 1
        { Omega0 = s.Omega0; KanGridSize = k.GridSize; KanSplineOrder = k.SplineOrder; KanGridMin = k.GridMin; KanGridMax = k.GridMax }

/// The block family a user chooses for F_nl, the LF surrogates, the nonlinear encoders and the SF baseline.
[<RequireQualifiedAccess>]
type Architecture =
    | Mlp
    | Siren
    | Kan

module Architecture =
    let names = Names.table "architecture" [ "mlp", [], Architecture.Mlp; "siren", [], Architecture.Siren; "kan", [], Architecture.Kan ]

module Block =
    let init (spec: BlockSpec) (ctx: InitContext) (dIn: int) (dOut: int) : Params =
        match spec with
        | AffineBlock -> Affine.init ctx dIn dOut
        | MlpBlock s -> Mlp.init s ctx dIn dOut
        | SirenBlock s -> Siren.init s ctx dIn dOut
        | KanBlock s -> Kan.init s ctx dIn dOut

    /// x [E, N, dIn] -> [E, N, dOut].
    let apply (spec: BlockSpec) (p: Params) (x: Tensors.Tensor) : Tensors.Tensor =
        match spec with
        | AffineBlock -> Affine.apply p x
        | MlpBlock s -> Mlp.apply s p x
        | SirenBlock s -> Siren.apply s p x
        | KanBlock s -> Kan.apply s p x

    /// The weight tensors (not biases) an L2 penalty acts on; for a KAN, its base and spline weights.
    let weights (spec: BlockSpec) (p: Params) =
        match spec with
        | AffineBlock -> Affine.weights p
        | MlpBlock s -> Mlp.weights s p
        | SirenBlock s -> Siren.weights s p
        | KanBlock s -> Kan.weights s p

    /// Grid update from the block's inputs x [E, N, dIn] for the families that have a grid (KAN, see
    /// Kan.updateGrid, with efficient-kan's defaults); every other block is returned unchanged.
    let updateGrid (spec: BlockSpec) (p: Params) (x: Tensors.Tensor) : Params =
        match spec with
        | KanBlock s -> Kan.updateGrid s Kan.gridEps Kan.gridMargin p x
        | _ -> p

    /// The architecture of a network block (None for the affine block, which is no user choice).
    let architecture =
        function
        | AffineBlock -> None
        | MlpBlock _ -> Some Architecture.Mlp
        | SirenBlock _ -> Some Architecture.Siren
        | KanBlock _ -> Some Architecture.Kan

    /// The family name: the architecture's, or "affine".
    let family (b: BlockSpec) =
        match architecture b with
        | Some a -> Names.name Architecture.names a
        | None -> "affine"

    let name (b: BlockSpec) =
        match b with
        | AffineBlock -> family b
        | MlpBlock s -> sprintf "%s %dx%d" (family b) s.Depth s.Width
        | SirenBlock s ->
            let d = Siren.defaults s.Depth s.Width
            if s = d then sprintf "%s %dx%d" (family b) s.Depth s.Width
            else sprintf "%s %dx%d w0=%g" (family b) s.Depth s.Width s.Omega0
        | KanBlock s ->
            let d = Kan.defaults s.Depth s.Width
            if s = d then sprintf "%s %dx%d" (family b) s.Depth s.Width
            else sprintf "%s %dx%d grid=%d order=%d range=[%g,%g]" (family b) s.Depth s.Width s.GridSize s.SplineOrder s.GridMin s.GridMax

    /// A block of the architecture with the given depth, width and family settings (checked here, so a bad
    /// setting is reported before any training).
    let ofArchitecture (settings: BlockSettings) (arch: Architecture) (depth: int) (width: int) =
        if depth < 1 then Errors.fail "depth must be at least 1 (got %d)" depth
        if width < 1 then Errors.fail "width must be at least 1 (got %d)" width
        match arch with
        | Architecture.Mlp -> MlpBlock { Depth = depth; Width = width }
        | Architecture.Siren ->
            let s = { Siren.defaults depth width with Omega0 = settings.Omega0 }
            Siren.validate s
            SirenBlock s
        | Architecture.Kan ->
            let s =
                { Kan.defaults depth width with
                    GridSize = settings.KanGridSize
                    SplineOrder = settings.KanSplineOrder
                    GridMin = settings.KanGridMin
                    GridMax = settings.KanGridMax }
            Kan.validate s
            KanBlock s

    /// A block of the named architecture (a canonical name, as experiment files hold them) with the given depth and
    /// width, SIREN and KAN with their defaults.
    let ofName (name: string) (depth: int) (width: int) =
        ofArchitecture BlockSettings.defaults (Names.parse Architecture.names name) depth width
