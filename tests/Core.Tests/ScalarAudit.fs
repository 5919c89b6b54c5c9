/// Reads compiled IL to find calls that make TorchSharp create a native Scalar the caller does not own.
///
/// TorchSharp 0.107 turns numbers into native Scalars in many members (`t * 2.0`, `t.add(u)` with its default alpha
/// of 1, `Tensor.ToDouble()` through `ToScalar()`), then lets the garbage collector free them. The member holds the
/// Scalar only until it has read its handle, so a collection on another thread can free it during the native call.
/// The deny list is derived from TorchSharp.dll itself: a member "hides a Scalar" when its IL creates one (a call to
/// anything that returns `TorchSharp.Scalar`) or calls a member that hides one, and it does not hand the Scalar to
/// its caller. Conservative: a TorchSharp member that creates and disposes a Scalar itself is also listed.
module ScalarAudit

open System
open System.Collections.Generic
open System.Collections.Immutable
open System.IO
open System.Reflection.Metadata
open System.Reflection.Metadata.Ecma335
open System.Reflection.PortableExecutable

/// Type names in signatures, enough to tell overloads apart (`Tensor`, `Double`, `Scalar`, `!0`).
type private Names() =
    interface ISignatureTypeProvider<string, obj> with
        member _.GetPrimitiveType code = string code
        member _.GetTypeFromDefinition(r, h, _) = let d = r.GetTypeDefinition h in r.GetString d.Name
        member _.GetTypeFromReference(r, h, _) = let d = r.GetTypeReference h in r.GetString d.Name
        member _.GetTypeFromSpecification(r, c, h, _) =
            (r.GetTypeSpecification h).DecodeSignature(Names(), c)
        member _.GetSZArrayType e = e + "[]"
        member _.GetArrayType(e, _) = e + "[,]"
        member _.GetByReferenceType e = e + "&"
        member _.GetPointerType e = e + "*"
        member _.GetGenericInstantiation(g, args) = g + "<" + String.Join(",", args) + ">"
        member _.GetGenericMethodParameter(_, i) = sprintf "!!%d" i
        member _.GetGenericTypeParameter(_, i) = sprintf "!%d" i
        member _.GetModifiedType(_, t, _) = t
        member _.GetPinnedType t = t
        member _.GetFunctionPointerType(_: MethodSignature<string>) = "fnptr"

let private names = Names()

let rec private typeDefName (r: MetadataReader) (h: TypeDefinitionHandle) =
    let d = r.GetTypeDefinition h
    let own = if d.Namespace.IsNil then r.GetString d.Name else r.GetString d.Namespace + "." + r.GetString d.Name
    let outer = d.GetDeclaringType()
    if outer.IsNil then own else typeDefName r outer + "/" + r.GetString d.Name

let rec private typeRefName (r: MetadataReader) (h: TypeReferenceHandle) =
    let d = r.GetTypeReference h
    match d.ResolutionScope.Kind with
    | HandleKind.TypeReference -> typeRefName r (TypeReferenceHandle.op_Explicit d.ResolutionScope) + "/" + r.GetString d.Name
    | _ -> if d.Namespace.IsNil then r.GetString d.Name else r.GetString d.Namespace + "." + r.GetString d.Name

let private typeName (r: MetadataReader) (h: EntityHandle) =
    match h.Kind with
    | HandleKind.TypeDefinition -> typeDefName r (TypeDefinitionHandle.op_Explicit h)
    | HandleKind.TypeReference -> typeRefName r (TypeReferenceHandle.op_Explicit h)
    | HandleKind.TypeSpecification ->
        // A generic instance (Module<Tensor,Tensor>): name it by its definition, as TorchSharp's own metadata does.
        let mutable b = r.GetBlobReader((r.GetTypeSpecification(TypeSpecificationHandle.op_Explicit h)).Signature)
        if b.ReadSignatureTypeCode() = SignatureTypeCode.GenericTypeInstance then
            b.ReadByte() |> ignore // CLASS or VALUETYPE
            let g = b.ReadTypeHandle()
            match g.Kind with
            | HandleKind.TypeDefinition -> typeDefName r (TypeDefinitionHandle.op_Explicit g)
            | HandleKind.TypeReference -> typeRefName r (TypeReferenceHandle.op_Explicit g)
            | _ -> "?"
        else "?"
    | _ -> "?"

/// A method as `Type::Name(ParamTypes):Return`, the same for its definition and for a reference to it.
let private key (decl: string) (name: string) (sg: MethodSignature<string>) =
    sprintf "%s::%s(%s):%s" decl name (String.Join(",", sg.ParameterTypes)) sg.ReturnType

let rec private calleeKey (r: MetadataReader) (h: EntityHandle) =
    match h.Kind with
    | HandleKind.MethodDefinition ->
        let m = r.GetMethodDefinition(MethodDefinitionHandle.op_Explicit h)
        Some(key (typeDefName r (m.GetDeclaringType())) (r.GetString m.Name) (m.DecodeSignature(names, null)))
    | HandleKind.MemberReference ->
        let m = r.GetMemberReference(MemberReferenceHandle.op_Explicit h)
        if m.GetKind() = MemberReferenceKind.Method then
            Some(key (typeName r m.Parent) (r.GetString m.Name) (m.DecodeMethodSignature(names, null)))
        else None
    | HandleKind.MethodSpecification ->
        calleeKey r (r.GetMethodSpecification(MethodSpecificationHandle.op_Explicit h)).Method
    | _ -> None

/// Tokens of every call, callvirt, newobj, ldftn and ldvirtftn in an IL body.
let private callTokens (il: BlobReader) =
    let mutable b = il
    let found = ResizeArray<int>()
    while b.RemainingBytes > 0 do
        let op =
            let first = b.ReadByte()
            if first = 0xFEuy then 0xFE00us ||| uint16 (b.ReadByte()) else uint16 first
        let operand =
            match op with
            // short branches, ldarg.s .. stloc.s, ldc.i4.s, unaligned.
            | 0x0Eus | 0x0Fus | 0x10us | 0x11us | 0x12us | 0x13us | 0x1Fus
            | 0x2Bus | 0x2Cus | 0x2Dus | 0x2Eus | 0x2Fus | 0x30us | 0x31us | 0x32us | 0x33us | 0x34us | 0x35us
            | 0x36us | 0x37us | 0xDEus | 0xFE12us | 0xFE19us -> 1
            | 0xFE09us | 0xFE0Aus | 0xFE0Bus | 0xFE0Cus | 0xFE0Dus | 0xFE0Eus -> 2
            | 0x20us | 0x22us -> 4 // ldc.i4, ldc.r4
            | 0x21us | 0x23us -> 8 // ldc.i8, ldc.r8
            | 0x45us -> -1 // switch
            | op when (op >= 0x38us && op <= 0x44us) || op = 0xDDus -> 4 // long branches, leave
            | 0x28us | 0x6Fus | 0x73us | 0xFE06us | 0xFE07us -> -2 // call, callvirt, newobj, ldftn, ldvirtftn
            | 0x27us | 0x29us | 0x70us | 0x71us | 0x72us | 0x74us | 0x75us | 0x79us | 0x7Bus | 0x7Cus | 0x7Dus
            | 0x7Eus | 0x7Fus | 0x80us | 0x81us | 0x8Cus | 0x8Dus | 0x8Fus | 0xA3us | 0xA4us | 0xA5us | 0xC2us
            | 0xC6us | 0xD0us | 0xFE15us | 0xFE16us | 0xFE1Cus -> 4 // other token operands
            | _ -> 0
        match operand with
        | -2 -> found.Add(b.ReadInt32())
        | -1 -> let n = b.ReadInt32() in b.Offset <- b.Offset + 4 * n
        | n -> b.Offset <- b.Offset + n
    found

/// Each method of an assembly with the keys of the members it calls.
let private methodsWithCalls (path: string) =
    use pe = new PEReader(File.OpenRead path)
    let r = pe.GetMetadataReader()
    [ for th in r.TypeDefinitions do
        let tn = typeDefName r th
        for mh in (r.GetTypeDefinition th).GetMethods() do
            let m = r.GetMethodDefinition mh
            let k = key tn (r.GetString m.Name) (m.DecodeSignature(names, null))
            let calls =
                if m.RelativeVirtualAddress = 0 then []
                else
                    let body = pe.GetMethodBody m.RelativeVirtualAddress
                    [ for t in callTokens (body.GetILReader()) do
                        match calleeKey r (MetadataTokens.EntityHandle t) with
                        | Some c -> c
                        | None -> () ]
            tn, k, calls ]

let private returnsScalar (k: string) = k.EndsWith ":Scalar"
let private isTorchSharp (k: string) = k.StartsWith "TorchSharp."

/// TorchSharp members that hide a native Scalar from their caller, derived from TorchSharp.dll's IL, and the
/// members that create one for the caller to own (`Scalar` conversions, `ToScalar`).
let hiddenScalarMembers (torchSharpDll: string) : Set<string> * Set<string> =
    let methods = methodsWithCalls torchSharpDll
    let calls = methods |> List.map (fun (_, k, cs) -> k, cs) |> dict
    let creators =
        methods |> List.map (fun (_, k, _) -> k) |> List.filter returnsScalar |> Set.ofList
        |> Set.add "TorchSharp.Scalar::.ctor(IntPtr):Void"
    let mutable hiders =
        methods
        |> List.filter (fun (_, k, cs) -> not (returnsScalar k) && cs |> List.exists creators.Contains)
        |> List.map (fun (_, k, _) -> k) |> Set.ofList
    let mutable grew = true
    while grew do
        let more =
            calls
            |> Seq.filter (fun kv -> not (returnsScalar kv.Key) && not (hiders.Contains kv.Key)
                                     && kv.Value |> List.exists hiders.Contains)
            |> Seq.map (fun kv -> kv.Key) |> Set.ofSeq
        grew <- not more.IsEmpty
        hiders <- hiders + more
    hiders, creators

/// A call from one of our methods to a member on the deny list.
type Violation = { Method: string; Call: string }

/// Calls in `assembly` to a member that hides a Scalar, and Scalar creation outside `allowedCreators` (type name
/// prefixes such as "Emulators.Core.Tensors", which also cover their closures) and outside `exempt` type prefixes.
let audit (torchSharpDll: string) (assembly: string) (allowedCreators: string list) (exempt: string list) =
    let hiders, creators = hiddenScalarMembers torchSharpDll
    let under (tn: string) (p: string) = tn = p || tn.StartsWith(p + "/") || tn.StartsWith(p + "@")
    [ for tn, m, calls in methodsWithCalls assembly do
        if not (exempt |> List.exists (under tn)) then
            let mayCreate = allowedCreators |> List.exists (under tn)
            for c in List.distinct calls do
                if isTorchSharp c && (hiders.Contains c || (creators.Contains c && not mayCreate)) then
                    { Method = m; Call = c } ]

/// Where TorchSharp.dll sits next to the test assembly.
let torchSharpPath () =
    Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll")

let assemblyPath (name: string) = Path.Combine(AppContext.BaseDirectory, name)

let describe (vs: Violation list) =
    vs |> List.map (fun v -> sprintf "  %s\n    calls %s" v.Method v.Call) |> String.concat "\n"
