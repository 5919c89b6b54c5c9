/// Design-of-experiments point sets: published Sobol' values, net properties, seeding, errors.
module SamplingTests

open Expecto
open Emulators.Core

/// The first 8 unscrambled Sobol' points in 3 dimensions (SciPy, scramble=False).
let sobol3First8 =
    [| [| 0.0; 0.0; 0.0 |]
       [| 0.5; 0.5; 0.5 |]
       [| 0.75; 0.25; 0.25 |]
       [| 0.25; 0.75; 0.75 |]
       [| 0.375; 0.375; 0.625 |]
       [| 0.875; 0.875; 0.125 |]
       [| 0.625; 0.125; 0.875 |]
       [| 0.125; 0.625; 0.375 |] |]

let column (j: int) (points: float[][]) = points |> Array.map (fun p -> p.[j])

let inUnitCube (points: float[][]) =
    points |> Array.forall (fun p -> p |> Array.forall (fun x -> x >= 0.0 && x < 1.0))

/// Per-coordinate fingerprint of the first 1024 points in 128 dimensions: each coordinate is
/// k / 1024 and the column's k values are folded as h <- (h * 1000003 + k) mod (2^31 - 1).
/// Reference values computed from SciPy's unscrambled Sobol' (new-joe-kuo-6.21201); they pin
/// every direction-number row, which the balance properties alone cannot (any odd m passes).
let sobolFingerprint128 =
    [| 1807602625L; 1597213266L; 1079036052L; 2083886931L; 767947690L; 962280571L; 456935570L; 415442294L
       292126603L; 1905053267L; 4379995L; 675976288L; 55195678L; 1389331574L; 632697598L; 524064490L
       652941175L; 1969254059L; 507064974L; 1506108887L; 1025374074L; 1866155360L; 498229158L; 1401866244L
       787554603L; 5137096L; 364142945L; 182172477L; 55756827L; 1769761185L; 1128302871L; 1839659626L
       1906094270L; 189942937L; 1281097884L; 74320695L; 90806358L; 933823131L; 550720650L; 774938239L
       815498546L; 1919448468L; 1811537557L; 208713949L; 720738144L; 1722576648L; 105950888L; 1851421241L
       1331445611L; 755667087L; 1050673210L; 1294565483L; 1556844639L; 1502464656L; 609743345L; 1309010540L
       2128405726L; 112449856L; 996489590L; 254033937L; 1253564085L; 784696941L; 30803349L; 89446064L
       1617097397L; 355955795L; 1261312217L; 1616916415L; 666565034L; 62189880L; 1065335328L; 1431502855L
       1407017107L; 1503690329L; 309116779L; 1853864176L; 297744510L; 575038221L; 446599632L; 847758568L
       1752197734L; 483927286L; 1869284925L; 637060136L; 1456235213L; 436737265L; 1311142107L; 1060235464L
       1790200242L; 439203186L; 720614733L; 1722282015L; 1014900398L; 578577666L; 168836260L; 824987355L
       1560348776L; 872194485L; 2012880109L; 724520159L; 1722292659L; 1012815519L; 573626521L; 678520217L
       2036853082L; 679482492L; 1256424073L; 1657055707L; 447572595L; 1100927663L; 44720561L; 192029419L
       2013391558L; 1781929474L; 433502623L; 73797034L; 902511870L; 70010801L; 139380851L; 702040015L
       815545111L; 406085552L; 283949152L; 499989359L; 825894969L; 1163294821L; 1028970118L; 1496351810L |]

let fingerprint (points: float[][]) (j: int) =
    points |> Array.fold (fun h p -> (h * 1000003L + int64 (p.[j] * 1024.0)) % 2147483647L) 0L

/// Calls f, expects an ArgumentException naming `param` whose message contains `value`.
let throwsNaming (param: string) (value: string) (f: unit -> unit) =
    Expect.throwsT<System.ArgumentException> f (sprintf "bad %s = %s must throw" param value)
    let message, name =
        try
            f ()
            "", ""
        with :? System.ArgumentException as e -> e.Message, e.ParamName
    Expect.equal name param (sprintf "ParamName for bad %s" param)
    Expect.isTrue (message.Contains value) (sprintf "message '%s' shows the value %s" message value)

[<Tests>]
let tests =
    testList "Sampling" [
        testCase "Sobol' first points in 1-D match the published values" <| fun () ->
            let expected = [| 0.0; 0.5; 0.75; 0.25; 0.375; 0.875; 0.625; 0.125 |]
            Expect.equal (Sampling.sobol 1 0 8 |> column 0) expected "dim 1"

        testCase "Sobol' first points in 2-D match the published values" <| fun () ->
            let points = Sampling.sobol 2 0 8
            Expect.equal (column 0 points) [| 0.0; 0.5; 0.75; 0.25; 0.375; 0.875; 0.625; 0.125 |] "dim 1 of 2"
            Expect.equal (column 1 points) [| 0.0; 0.5; 0.25; 0.75; 0.375; 0.875; 0.125; 0.625 |] "dim 2 of 2"

        testCase "Sobol' first points in 3-D match the published values" <| fun () ->
            Expect.equal (Sampling.sobol 3 0 8) sobol3First8 "dim 3"

        testCase "Sobol' points match reference fingerprints in all 128 dimensions" <| fun () ->
            Expect.isTrue (Sampling.sobolMaxDim >= 128) "table covers 128 dimensions"
            let points = Sampling.sobol 128 0 1024
            for j in 0 .. 127 do
                Expect.equal (fingerprint points j) sobolFingerprint128.[j] (sprintf "coordinate %d" (j + 1))

        testCase "Sobol' points are exact dyadic rationals in [0,1)" <| fun () ->
            let points = Sampling.sobol Sampling.sobolMaxDim 12345 500
            Expect.isTrue (inUnitCube points) "all in [0,1)"
            for p in points do
                for x in p do
                    let scaled = x * 4294967296.0
                    Expect.isTrue (scaled = floor scaled) (sprintf "%g is a multiple of 2^-32" x)

        testCase "Sobol' skip continues the same sequence" <| fun () ->
            let all = Sampling.sobol 5 0 300
            Expect.equal (Sampling.sobol 5 123 177) all.[123..] "skip 123"
            Expect.equal (Sampling.sobol 5 0 0) [||] "n = 0 gives no points"

        testCase "lower dimensions are the leading coordinates of higher ones" <| fun () ->
            let high = Sampling.sobol Sampling.sobolMaxDim 0 64
            for dim in [ 1; 2; 3; 21; Sampling.sobolMaxDim ] do
                let low = Sampling.sobol dim 0 64
                Expect.equal low (high |> Array.map (fun p -> p.[.. dim - 1])) (sprintf "dim %d" dim)

        testCase "first 2^m Sobol' points are balanced in every coordinate and dimension" <| fun () ->
            Expect.isTrue (Sampling.sobolMaxDim >= 40) "at least 40 dimensions"
            for dim in 1 .. Sampling.sobolMaxDim do
                let points = Sampling.sobol dim 0 1024
                for m in 1 .. 10 do
                    let count = 1 <<< m
                    for j in 0 .. dim - 1 do
                        let below = points.[.. count - 1] |> Array.filter (fun p -> p.[j] < 0.5) |> Array.length
                        Expect.equal below (count / 2) (sprintf "dim %d, coordinate %d, m = %d" dim j m)

        testCase "first 2^m Sobol' points hit every interval of width 2^-m once per coordinate" <| fun () ->
            let points = Sampling.sobol Sampling.sobolMaxDim 0 1024
            for m in 1 .. 10 do
                let count = 1 <<< m
                for j in 0 .. Sampling.sobolMaxDim - 1 do
                    let cells = points.[.. count - 1] |> Array.map (fun p -> int (p.[j] * float count)) |> Array.sort
                    Expect.equal cells (Array.init count id) (sprintf "coordinate %d, m = %d" j m)

        testCase "randomized Sobol' sets are deterministic and start at a power of two" <| fun () ->
            for rep in 0 .. 9 do
                let a = Sampling.sobolRandomized 42 rep 3 16
                let b = Sampling.sobolRandomized 42 rep 3 16
                Expect.equal a b (sprintf "rep %d repeats exactly" rep)
                let matches = [ 3 .. 12 ] |> List.filter (fun k -> Sampling.sobol 3 (1 <<< k) 16 = a)
                Expect.equal matches.Length 1 (sprintf "rep %d starts at one offset 2^k, k in 3..12" rep)

        testCase "randomized Sobol' sets differ between repetitions" <| fun () ->
            for seed in [ 0; 1; 42; -7 ] do
                let sets = [ for rep in 0 .. 9 -> Sampling.sobolRandomized seed rep 2 8 ]
                Expect.equal (List.distinct sets).Length 10 (sprintf "seed %d: reps 0..9 all differ" seed)
                Expect.isTrue (sets.[0] <> sets.[1]) (sprintf "seed %d: rep 0 <> rep 1" seed)

        testCase "scrambled Sobol' sets keep one point per interval of width 2^-m in every coordinate" <| fun () ->
            for rep in 0 .. 3 do
                let points = Sampling.sobolScrambled 0 rep 20 256
                Expect.isTrue (inUnitCube points) (sprintf "rep %d in [0,1)" rep)
                for m in 1 .. 8 do
                    let count = 1 <<< m
                    for j in 0 .. 19 do
                        let cells = points.[.. count - 1] |> Array.map (fun p -> int (p.[j] * float count)) |> Array.sort
                        Expect.equal cells (Array.init count id) (sprintf "rep %d, coordinate %d, m = %d" rep j m)

        testCase "scrambled Sobol' sets keep the (0,m,2)-net of the first two coordinates" <| fun () ->
            // Every elementary box of area 2^-m, [a/2^i, (a+1)/2^i) x [b/2^(m-i), (b+1)/2^(m-i)), holds one point.
            for rep in 0 .. 3 do
                let points = Sampling.sobolScrambled 5 rep 2 64
                for m in 1 .. 6 do
                    let count = 1 <<< m
                    for i in 0 .. m do
                        let boxes =
                            points.[.. count - 1]
                            |> Array.map (fun p -> int (p.[0] * float (1 <<< i)), int (p.[1] * float (1 <<< (m - i))))
                        Expect.equal (Array.distinct boxes).Length count (sprintf "rep %d, m = %d, split %d" rep m i)

        testCase "scrambled sets vary the position inside each interval; offset sets do not (aliasing)" <| fun () ->
            let phases (points: float[][]) = points |> Array.map (fun p -> p.[0] * 8.0 - floor (p.[0] * 8.0))
            for rep in 0 .. 9 do
                let offset = phases (Sampling.sobolRandomized 0 rep 1 8)
                Expect.equal (Array.distinct offset).Length 1 (sprintf "rep %d: offset set has one phase" rep)
                let scrambled = phases (Sampling.sobolScrambled 0 rep 1 8)
                Expect.equal (Array.distinct scrambled).Length 8 (sprintf "rep %d: scrambled set has 8 phases" rep)

        testCase "scrambled Sobol' sets are deterministic, differ between repetitions and seeds, and are centred" <| fun () ->
            Expect.equal (Sampling.sobolScrambled 3 2 4 16) (Sampling.sobolScrambled 3 2 4 16) "same seed and rep"
            let sets = [ for rep in 0 .. 9 -> Sampling.sobolScrambled 0 rep 2 8 ]
            Expect.equal (List.distinct sets).Length 10 "reps 0..9 all differ"
            Expect.notEqual (Sampling.sobolScrambled 0 0 2 8) (Sampling.sobolScrambled 1 0 2 8) "seeds 0 and 1 differ"
            // Each scrambled point is uniform on [0,1): over 400 scrambles the first point averages 1/2
            // (standard error 0.014; the bound is 5 of them).
            let mean = [ for rep in 0 .. 399 -> (Sampling.sobolScrambled 9 rep 1 1).[0].[0] ] |> List.average
            Expect.isLessThan (abs (mean - 0.5)) 0.07 (sprintf "mean of the first point %g" mean)

        testCase "1-D boundary augmentation appends 0 and 1" <| fun () ->
            let points = Sampling.sobol 1 1 4
            let augmented = Sampling.withBoundary points
            Expect.equal augmented.Length 6 "two more points"
            Expect.equal augmented.[.. 3] points "original points first"
            Expect.equal augmented.[4] [| 0.0 |] "x = 0"
            Expect.equal augmented.[5] [| 1.0 |] "x = 1"

        testCase "boundary augmentation leaves higher dimensions unchanged" <| fun () ->
            let points = Sampling.sobol 2 0 8
            Expect.equal (Sampling.withBoundary points) points "2-D unchanged"
            Expect.equal (Sampling.withBoundary [||]) [||] "empty unchanged"

        testCase "uniform points are seeded and in [0,1)" <| fun () ->
            let a = Sampling.uniform 7 4 200
            Expect.equal a.Length 200 "n points"
            Expect.isTrue (a |> Array.forall (fun p -> p.Length = 4)) "dim coordinates"
            Expect.isTrue (inUnitCube a) "all in [0,1)"
            Expect.equal (Sampling.uniform 7 4 200) a "same seed, same points"
            Expect.isTrue (Sampling.uniform 8 4 200 <> a) "other seed, other points"

        testCase "Latin hypercube puts exactly one point in each stratum" <| fun () ->
            for n in [ 1; 2; 3; 10; 97 ] do
                let points = Sampling.latinHypercube 3 4 n
                Expect.equal points.Length n (sprintf "n = %d points" n)
                Expect.isTrue (inUnitCube points) "all in [0,1)"
                for j in 0 .. 3 do
                    let sorted = column j points |> Array.sort
                    for k in 0 .. n - 1 do
                        let lo = float k / float n
                        let hi = float (k + 1) / float n
                        Expect.isTrue (sorted.[k] >= lo && sorted.[k] < hi) (sprintf "n = %d, coordinate %d, stratum %d" n j k)

        testCase "Latin hypercube is seeded" <| fun () ->
            let a = Sampling.latinHypercube 11 3 20
            Expect.equal (Sampling.latinHypercube 11 3 20) a "same seed, same design"
            Expect.isTrue (Sampling.latinHypercube 12 3 20 <> a) "other seed, other design"

        testCase "grid has both endpoints and the last axis varies fastest" <| fun () ->
            let g = Sampling.grid 3 2
            let expected =
                [| [| 0.0; 0.0 |]; [| 0.0; 0.5 |]; [| 0.0; 1.0 |]
                   [| 0.5; 0.0 |]; [| 0.5; 0.5 |]; [| 0.5; 1.0 |]
                   [| 1.0; 0.0 |]; [| 1.0; 0.5 |]; [| 1.0; 1.0 |] |]
            Expect.equal g expected "3 x 3 grid"
            let g3 = Sampling.grid 5 3
            Expect.equal g3.Length 125 "5^3 points"
            Expect.equal g3.[0] [| 0.0; 0.0; 0.0 |] "first corner"
            Expect.equal g3.[124] [| 1.0; 1.0; 1.0 |] "last corner"
            Expect.equal (Sampling.grid 2 1) [| [| 0.0 |]; [| 1.0 |] |] "two points in 1-D"

        testCase "scaleTo maps the unit cube onto the box" <| fun () ->
            let lower = [| -1.0; 10.0 |]
            let upper = [| 3.0; 10.5 |]
            let scaled = Sampling.scaleTo lower upper [| [| 0.0; 0.0 |]; [| 0.25; 0.5 |]; [| 1.0; 1.0 |] |]
            Expect.equal scaled.[0] lower "0 maps to lower"
            Expect.equal scaled.[2] upper "1 maps to upper"
            Expect.floatClose Accuracy.veryHigh scaled.[1].[0] 0.0 "x = 0.25 on [-1, 3]"
            Expect.floatClose Accuracy.veryHigh scaled.[1].[1] 10.25 "x = 0.5 on [10, 10.5]"
            Expect.equal (Sampling.scaleTo lower upper [||]) [||] "no points"

        testCase "invalid arguments raise ArgumentException naming the argument and value" <| fun () ->
            let big = Sampling.sobolMaxDim + 1
            throwsNaming "dim" "0" (fun () -> Sampling.sobol 0 0 4 |> ignore)
            throwsNaming "dim" (string big) (fun () -> Sampling.sobol big 0 4 |> ignore)
            throwsNaming "skip" "-1" (fun () -> Sampling.sobol 2 (-1) 4 |> ignore)
            throwsNaming "n" "-3" (fun () -> Sampling.sobol 2 0 (-3) |> ignore)
            throwsNaming "dim" "0" (fun () -> Sampling.sobolRandomized 1 0 0 4 |> ignore)
            throwsNaming "dim" (string big) (fun () -> Sampling.sobolRandomized 1 0 big 4 |> ignore)
            throwsNaming "n" "-1" (fun () -> Sampling.sobolRandomized 1 0 2 (-1) |> ignore)
            throwsNaming "rep" "-2" (fun () -> Sampling.sobolRandomized 1 (-2) 2 4 |> ignore)
            throwsNaming "dim" (string big) (fun () -> Sampling.sobolScrambled 1 0 big 4 |> ignore)
            throwsNaming "n" "-1" (fun () -> Sampling.sobolScrambled 1 0 2 (-1) |> ignore)
            throwsNaming "rep" "-2" (fun () -> Sampling.sobolScrambled 1 (-2) 2 4 |> ignore)
            throwsNaming "dim" "0" (fun () -> Sampling.uniform 1 0 4 |> ignore)
            throwsNaming "n" "-1" (fun () -> Sampling.uniform 1 2 (-1) |> ignore)
            throwsNaming "dim" "-4" (fun () -> Sampling.latinHypercube 1 (-4) 4 |> ignore)
            throwsNaming "n" "-1" (fun () -> Sampling.latinHypercube 1 2 (-1) |> ignore)
            throwsNaming "pointsPerDim" "1" (fun () -> Sampling.grid 1 2 |> ignore)
            throwsNaming "dim" "0" (fun () -> Sampling.grid 3 0 |> ignore)
            throwsNaming "upper" "3" (fun () -> Sampling.scaleTo [| 0.0; 0.0 |] [| 1.0; 1.0; 1.0 |] [||] |> ignore)
            throwsNaming "lower" "2" (fun () -> Sampling.scaleTo [| 0.0; 2.0 |] [| 1.0; 2.0 |] [||] |> ignore)
            throwsNaming "lower" "5" (fun () -> Sampling.scaleTo [| 5.0 |] [| 1.0 |] [||] |> ignore)
            throwsNaming "points" "3" (fun () -> Sampling.scaleTo [| 0.0 |] [| 1.0 |] [| [| 0.1; 0.2; 0.3 |] |] |> ignore)
    ]
