#!/usr/bin/env bash
# A matrix of bad inputs and faults across train, predict, evaluate, run, reproduce, the other commands and the C#
# facade (through examples/CsvExample, which uses only the facade). Each case runs the built binaries once and is
#   clear   : exit 2 (bad input) or 3 (environment fault) with an "error:" line, no stack trace, no internal error;
#             or, where a working result is the right answer, exit 0 and the result checked;
#   defect  : anything else (another exit code, a stack trace, an internal error, exit 0 where an error was due,
#             or a file system left wrong: a model lost, a device replaced, a temporary left behind).
# Usage: bash bench/faults/matrix.sh   (after `dotnet build Emulators.sln -c Release`; root for the mount cases)
# Prints one line per case and the totals: tried / clear / defects.
# The same matrix in one process (seconds instead of a process start per case; cases in tests/Core.Tests/Cli/FaultMatrix.fs):
#   dotnet tests/Core.Tests/bin/Release/net10.0/Core.Tests.dll --fault-matrix
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CLI="dotnet $ROOT/src/Cli/bin/Release/net10.0/emulators.dll"
FACADE="dotnet $ROOT/examples/CsvExample/bin/Release/net10.0/CsvExample.dll"
W="$(mktemp -d /tmp/emulators-faults.XXXXXX)"
cleanup() { umount "$W/mnt_full" "$W/mnt_ro" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"

LANE=0
QUICK="--select off --depth 1 --width 4 --epochs 5 --lbfgs 0"

# case NAME EXPECT POSTCHECK -- COMMAND...   EXPECT: err (an error is due), ok (a result is due), any (either, cleanly)
case_() {
    local name="$1" expect="$2" post="$3"; shift 4
    local OUT="$W/out.$LANE" ERR="$W/err.$LANE"
    timeout 600 "$@" >"$OUT" 2>"$ERR" </dev/null
    local rc=$?
    local verdict="" why=""
    if grep -q "   at \|Unhandled exception\|internal error" "$ERR"; then why="stack trace or internal error"
    elif [ $rc -eq 2 ] || [ $rc -eq 3 ]; then
        if [ "$expect" = ok ]; then why="error where a result was due: $(grep -m1 -i 'error' "$ERR")"
        elif ! grep -qi "^error" "$ERR"; then why="no error line"
        fi
    elif [ $rc -eq 0 ]; then
        if [ "$expect" = err ]; then why="exit 0 where an error was due"; fi
    else why="exit code $rc"
    fi
    if [ -z "$why" ] && [ "$post" != - ]; then
        if ! (W_OUT="$OUT" W_ERR="$ERR"; eval "$post") >/dev/null 2>&1; then why="file system check failed: $post"; fi
    fi
    if [ -z "$why" ]; then verdict="clear "; else verdict="DEFECT"; fi
    printf '%s rc=%-3s %-58s %s\n' "$verdict" "$rc" "$name" "$( (grep -m1 -i '^error\|^warning\|^note' "$ERR" || head -c 100 "$OUT") | cut -c1-110)"
    [ -n "$why" ] && printf '       why: %s\n' "$why"
}

hash_of() { (cd "$1" && sha256sum model.json weights.bin | sha256sum | cut -c1-16); }
no_tmp() { ! ls -a "$1" | grep -q '\.tmp-\|\.old-'; }

# ---- fixtures ------------------------------------------------------------------------------------------------
$CLI export --problem K1 -o k1 >/dev/null 2>&1
HF=k1/hf.csv; LF=k1/lf-LF.csv; TEST=k1/test.csv
$CLI train --hf $HF --lf LF=$LF $QUICK -o model >/dev/null 2>&1 || { echo "fixture model failed"; exit 1; }
MH=$(hash_of model)
mk() { printf "$2" > "$1"; }
mk empty.csv ""
mk header.csv "x,y\n"
mk onerow.csv "x,y\n0.5,1\n"
mk text.csv "x,y\n0.1,1\n0.5,oops\n0.9,2\n"
mk nan.csv "x,y\n0.1,1\nNaN,2\n0.9,3\n"
mk inf.csv "x,y\n0.1,1\n0.5,Infinity\n0.9,3\n"
mk e400.csv "x,y\n0.1,1\n0.5,1e400\n0.9,3\n"
mk ragged.csv "x,y\n0.1,1\n0.5,2,3\n0.9,3\n"
mk duphead.csv "x,x\n0.1,1\n0.5,2\n"
mk emptyname.csv "x,\n0.1,1\n0.5,2\n"
mk numhead.csv "1,2\n0.1,1\n0.5,2\n"
mk onecol.csv "y\n1\n2\n3\n"
mk comments.csv "# only comments\n# here\n"
mk semi.csv "x;y\n0.1;1\n0.5;2\n"
printf '\xef\xbb\xbfx,y\r\n0.1,1\r\n0.4,2\r\n0.7,1.5\r\n0.9,3\r\n' > bomcrlf.csv
mk quoted.csv '"x","y"\n0.1,1\n0.4,2\n0.7,1.5\n0.9,3\n'
mk quotedcomma.csv '"x, m","y"\n0.1,1\n0.4,2\n0.7,1.5\n0.9,3\n'
head -c 3000 /dev/urandom > garbage.csv
awk 'NR==1{print;next}{print $0}' $HF > copy.csv
awk -F, 'NR==1{print;next}{printf "%s,%.17g\n",$1,$2*1e300}' $HF > big300.csv
awk -F, 'NR==1{print;next}{printf "%s,%.17g\n",$1,$2*1e160}' $HF > big160.csv
awk -F, 'NR==1{print;next}{printf "%s,%.17g\n",$1,$2*1e100}' $HF > big100.csv
awk -F, 'NR==1{print;next}{printf "%s,%.17g\n",$1,$2*1e-300}' $HF > tiny.csv
mk span308.csv "x,y\n-1e308,1\n0,2\n1e308,3\n"
mk constout.csv "x,y\n0.1,1\n0.4,1\n0.7,1\n0.9,1\n"
mk constin.csv "x,y\n0.5,1\n0.5,2\n0.5,3\n"
mk dups.csv "x,y\n0,1\n0.5,2\n0.5,2\n1,3\n1,4\n"
mk zeros.csv "x,y\n0.1,0\n0.4,0\n0.7,0\n0.9,0\n"
mk lfextra.csv "x,z,y\n0,0,1\n0.3,1,2\n0.6,2,1\n1,0,3\n"
mk lfrenamed.csv "t,y\n0,1\n0.3,2\n0.6,1\n1,3\n"
mk lfnan.csv "x,y\n0,1\nnan,2\n1,3\n"
awk -F, 'NR==1{print;next}{printf "%s,%.17g\n",$1,$2*1e300}' $LF > lfbig.csv
mk in_nan.csv "x1\n0.5\nNaN\n"
mk in_big.csv "x1\n1e308\n-1e308\n0.5\n"
mk in_missing.csv "q\n0.5\n"
mk in_ragged.csv "x1,y\n0.5,1\n0.6\n"
mk eval_nocol.csv "x1\n0.5\n0.6\n"
awk -F, 'NR==1{print;next}{printf "%s,%.17g\n",$1,$2*1e300}' $TEST > eval_big.csv
mkdir -p adir notmodel && echo mine > notmodel/notes.txt && echo file > afile
mkdir -p "with space"

# a copy of the model, edited by `edit`, for each model-directory fault
mcopy() { rm -rf "$1"; cp -r model "$1"; }

mcopy mflip; python3 -c "
import sys; p='mflip/weights.bin'; b=bytearray(open(p,'rb').read()); b[3]^=0xff; open(p,'wb').write(b)"
mcopy mtrunc; head -c 20 model/weights.bin > mtrunc/weights.bin
mcopy mjson; echo garbage > mjson/model.json
mcopy mhalf; head -c 200 model/model.json > mhalf/model.json
mcopy mnewer; sed -i 's/"formatVersion": 2/"formatVersion": 99/' mnewer/model.json
mcopy mscale0; python3 -c "
import json; p='mscale0/model.json'; t=open(p).read(); d=json.loads(t); d['inputScale']['scale'][0]=0; open(p,'w').write(json.dumps(d,indent=2))"
mcopy mshape; sed -i '0,/"shape": \[/s//"shape": [ 7,/' mshape/model.json
mcopy mnoweights; rm mnoweights/weights.bin
mcopy mnojson; rm mnojson/model.json
mkdir -p memptydir
# the same model edits, resealed (hash-valid): only the structural checks stand between them and libtorch
reseal() { python3 - "$1" "$2" <<'PY'
import hashlib, json, sys
d, edit = sys.argv[1], sys.argv[2]
p = d + '/model.json'
root = json.loads(open(p).read())
exec(edit)
root['metadataSha256'] = '0' * 64
text = json.dumps(root, indent=2)
h = hashlib.sha256(text.encode()).hexdigest()
open(p, 'w').write(text.replace('"metadataSha256": "' + '0' * 64 + '"', '"metadataSha256": "' + h + '"'))
PY
}
i=0
while read -r edit; do
    i=$((i + 1)); mcopy "mr$i"; reseal "mr$i" "$edit"
done <<'EOF'
root['inputScale']['scale'][0] = 0
root['inputScale']['scale'][0] = 1e300 * 1e300
root['outputScale']['scale'][0] = 0
root['parameters'][0]['shape'] = [1, 8, 16]
root['members'] = 3
root['precision'] = 'float32'
root['sources'] = []
root['correlation']['width'] = 5
root['correlation']['depth'] = 40
root['correlation']['family'] = 'kan'
root['encoding'] = {'kind': 'affine'}
root['parameters'][0]['offset'] = 10**12
root['parameters'][0]['name'] = 'nonlinear.Q'
root['parameters'] = root['parameters'][1:]
root['domain']['lower'] = [5.0]
root['domain']['upper'] = [1e308 * 10]
root['sources'][0]['kind'] = 'magic'
root['sources'][0]['domain']['lower'] = [0, 0]
root['memberOutputScales'] = [{'shift': [0], 'scale': [1]}, {'shift': [0], 'scale': [1]}]
root['linearBranch'] = False
EOF
RESEALED=$i

lane1() {
echo "== train: bad CSV input"
for f in nosuch.csv empty.csv header.csv onerow.csv text.csv nan.csv inf.csv e400.csv ragged.csv duphead.csv emptyname.csv \
         numhead.csv onecol.csv comments.csv semi.csv garbage.csv big300.csv big160.csv span308.csv; do
    case_ "train --hf $f" err "[ ! -e m_$f ]" -- $CLI train --hf $f $QUICK -o m_$f
done
case_ "train --hf (a directory)" err - -- $CLI train --hf adir $QUICK -o m_dir
for f in constin.csv bomcrlf.csv quoted.csv quotedcomma.csv big100.csv tiny.csv constout.csv dups.csv zeros.csv copy.csv; do
    case_ "train --hf $f (works)" ok "[ -f m_$f/model.json ] && ! grep -q NaN m_$f/model.json" -- $CLI train --hf $f $QUICK -o m_$f
done
case_ "train --output nosuch" err - -- $CLI train --hf $HF --output nosuch $QUICK -o m_x
case_ "train --inputs nosuch" err - -- $CLI train --hf $HF --inputs nosuch $QUICK -o m_x
case_ "train --inputs x1,x1" err - -- $CLI train --hf $HF --inputs x1,x1 $QUICK -o m_x
case_ "train --inputs y (the output)" err - -- $CLI train --hf $HF --inputs y $QUICK -o m_x
case_ "train --inputs ''" err - -- $CLI train --hf $HF --inputs "" $QUICK -o m_x
case_ "train --output ''" err - -- $CLI train --hf $HF --output "" $QUICK -o m_x

echo "== train: LF sources"
case_ "train --lf nofile (no =)" err - -- $CLI train --hf $HF --lf nofile $QUICK -o m_x
case_ "train --lf =x.csv" err - -- $CLI train --hf $HF --lf =x.csv $QUICK -o m_x
case_ "train --lf A=" err - -- $CLI train --hf $HF --lf A= $QUICK -o m_x
case_ "train --lf A=nosuch.csv" err - -- $CLI train --hf $HF --lf A=nosuch.csv $QUICK -o m_x
case_ "train --lf A=text.csv" err - -- $CLI train --hf $HF --lf A=text.csv $QUICK -o m_x
case_ "train --lf A=lfnan.csv" err - -- $CLI train --hf $HF --lf A=lfnan.csv $QUICK -o m_x
case_ "train --lf A=onerow.csv" err - -- $CLI train --hf onerow.csv --lf A=onerow.csv $QUICK -o m_x
case_ "train --lf A=lfbig.csv (x1e300)" err - -- $CLI train --hf $HF --lf A=lfbig.csv $QUICK -o m_x
case_ "train two --lf with the same name" err - -- $CLI train --hf $HF --lf A=$LF --lf A=$LF $QUICK -o m_x
case_ "train LF with an extra column, encoding none" err - -- $CLI train --hf copy.csv --lf A=lfextra.csv $QUICK -o m_x
case_ "train LF with an extra column, affine encoding" ok "[ -f m_lfx/model.json ]" -- $CLI train --hf copy.csv --lf A=lfextra.csv $QUICK --encoding affine -o m_lfx
case_ "train LF with a renamed input (warned)" ok "grep -q 'paired by position' \$W_ERR" -- $CLI train --hf copy.csv --lf A=lfrenamed.csv $QUICK -o m_lfr

echo "== environment: full and read-only file systems"
if mkdir -p mnt_full mnt_ro && mount -t tmpfs -o size=32k tmpfs mnt_full 2>/dev/null && mount -t tmpfs -o size=1m tmpfs mnt_ro 2>/dev/null; then
    trap 'umount "$W/mnt_full" "$W/mnt_ro" 2>/dev/null' EXIT
    cp -r model mnt_full/m; FH=$(hash_of mnt_full/m)
    case_ "train onto a full disk (model kept, exit 3)" err "[ \$(hash_of mnt_full/m) = $FH ] && no_tmp mnt_full" -- $CLI train --hf $HF --select off --width 64 --epochs 2 --lbfgs 0 -o mnt_full/m
    case_ "train a new model onto a full disk (exit 3)" err "[ ! -e mnt_full/new ] && no_tmp mnt_full" -- $CLI train --hf $HF --select off --width 64 --epochs 2 --lbfgs 0 -o mnt_full/new
    case_ "predict onto a full disk (no partial file)" err "[ ! -e mnt_full/p.csv ] && no_tmp mnt_full" -- $CLI predict -m model --input $TEST -o mnt_full/p.csv
    case_ "export onto a full disk" err - -- $CLI export --problem K1 --nh 64 -o mnt_full/ex
    cp -r model mnt_ro/m; RH=$(hash_of mnt_ro/m); mount -o remount,ro mnt_ro
    case_ "train onto a read-only fs (exit 3)" err "[ \$(hash_of mnt_ro/m) = $RH ]" -- $CLI train --hf $HF $QUICK -o mnt_ro/m
    case_ "predict onto a read-only fs (exit 3)" err - -- $CLI predict -m model --input $TEST -o mnt_ro/p.csv
    case_ "predict from a model on a read-only fs (works)" ok "[ -f p_ro.csv ]" -- $CLI predict -m mnt_ro/m --input $TEST -o p_ro.csv
    case_ "slurm -o onto a read-only fs" err - -- $CLI slurm -o mnt_ro/s.sh
    case_ "facade Save onto a read-only fs" err "[ \$(hash_of mnt_ro/m) = $RH ]" -- $FACADE train $HF $LF mnt_ro/m 5
    case_ "facade Save onto a full disk" err "no_tmp mnt_full" -- $FACADE train $HF $LF mnt_full/fm 5
    case_ "facade predict onto a full disk" err "no_tmp mnt_full" -- $FACADE predict model $TEST /dev/full
    umount "$W/mnt_full" "$W/mnt_ro" 2>/dev/null
else
    echo "(mounting a tmpfs is not allowed here: the disk-full and read-only cases are skipped)"
fi

}

lane2() {
echo "== train: bad numbers and names"
while read -r flag value; do
    case_ "train $flag $value" err "[ ! -e m_opt ]" -- $CLI train --hf $HF --lf LF=$LF $QUICK $flag "$value" -o m_opt
done <<'EOF'
--lambda nan
--lambda Infinity
--lambda -Infinity
--lambda -1
--lambda 1e308
--lambda 1e7
--lr 0
--lr -1
--lr nan
--lr Infinity
--lr 100
--encoder-lambda nan
--encoder-lambda -1
--epochs -1
--lbfgs -1
--members 0
--members -1
--members 1001
--depth 0
--depth -1
--depth 65
--width 0
--width 5000
--precision float16
--arch resnet
--encoding fourier
--strategy sideways
--select maybe
--budget huge
--threads 0
--threads -1
--epochs abc
--lr abc
--kan-grid 0
EOF
for extra in "--arch siren --omega0 nan" "--arch siren --omega0 0" "--arch siren --omega0 -1" "--arch siren --omega0 Infinity" "--arch siren --omega0 1e5" \
             "--arch kan --kan-grid -1" "--arch kan --kan-grid 2000" "--arch kan --kan-order -1" "--arch kan --kan-order 11" "--arch kan --kan-range a,b" \
             "--arch kan --kan-range 1,1" "--arch kan --kan-range 2,1" "--arch kan --kan-range nan,1" "--arch kan --kan-range -1e308,1e308" "--arch kan --kan-range 1" \
             "--no-such-flag 1"; do
    case_ "train $extra" err "[ ! -e m_opt ]" -- $CLI train --hf $HF --lf LF=$LF $QUICK $extra -o m_opt
done
case_ "train --seed -5 (works)" ok "[ -f m_seed/model.json ]" -- $CLI train --hf $HF $QUICK --seed -5 -o m_seed
case_ "train --lr 10 --epochs 50 (finite model or a clear divergence error)" any "[ ! -e m_lr10 ] || ! grep -q NaN m_lr10/model.json" -- $CLI train --hf $HF --select off --lr 10 --epochs 50 --lbfgs 20 -o m_lr10

echo "== train: model directories"
case_ "train -o ''" err - -- $CLI train --hf $HF $QUICK -o ""
case_ "train -o -" err "[ ! -e ./- ]" -- $CLI train --hf $HF $QUICK -o -
case_ "train -o (an existing file)" err "[ \"\$(cat afile)\" = file ]" -- $CLI train --hf $HF $QUICK -o afile
case_ "train -o (a non-empty non-model dir)" err "[ \"\$(ls notmodel)\" = notes.txt ]" -- $CLI train --hf $HF $QUICK -o notmodel
mcopy mextra; echo mine > mextra/notes.txt
case_ "train -o (a model dir with other files)" err "[ -f mextra/notes.txt ] && [ \$(hash_of mextra) = $MH ]" -- $CLI train --hf $HF $QUICK -o mextra
mcopy mrepl
case_ "train -o (an existing model: replaced, said so)" ok "grep -q replaced \$W_ERR && [ \$(hash_of mrepl) != $MH ] && no_tmp ." -- $CLI train --hf $HF $QUICK --seed 3 -o mrepl
mcopy mkeep
case_ "train x1e300 onto an existing model (kept)" err "[ \$(hash_of mkeep) = $MH ] && no_tmp ." -- $CLI train --hf big300.csv $QUICK -o mkeep
mcopy mkeep2
case_ "train --lambda nan onto an existing model (kept)" err "[ \$(hash_of mkeep2) = $MH ]" -- $CLI train --hf $HF $QUICK --lambda nan -o mkeep2
case_ "train -o deep/missing/parents (created)" ok "[ -f deep/missing/parents/model.json ]" -- $CLI train --hf $HF $QUICK -o deep/missing/parents
case_ "train -o 'with space/m'" ok "[ -f 'with space/m/model.json' ]" -- $CLI train --hf $HF $QUICK -o "with space/m"
case_ "train -o /dev/null" err "[ -c /dev/null ]" -- $CLI train --hf $HF $QUICK -o /dev/null
mcopy mlinked; ln -sfn mlinked mlink
case_ "train -o (a symlink to a model dir: link kept)" ok "[ -L mlink ] && [ -f mlinked/model.json ]" -- $CLI train --hf $HF $QUICK -o mlink

}

lane3() {
echo "== predict and evaluate: model directories"
for m in nosuch afile memptydir mnojson mnoweights mflip mtrunc mjson mhalf mnewer mscale0 mshape $(seq -f 'mr%g' 1 $RESEALED); do
    case_ "predict -m $m" err "[ ! -e p_$m.csv ]" -- $CLI predict -m $m --input $TEST -o p_$m.csv
done
for m in mflip mnewer mscale0 mr1 mr4 mr5 mr6; do
    case_ "evaluate -m $m" err - -- $CLI evaluate -m $m --data $TEST
done

echo "== predict: inputs and outputs"
case_ "predict --input nosuch.csv" err - -- $CLI predict -m model --input nosuch.csv -o p.csv
case_ "predict --input in_missing.csv (no x1)" err - -- $CLI predict -m model --input in_missing.csv -o p.csv
case_ "predict --input in_nan.csv" err - -- $CLI predict -m model --input in_nan.csv -o p.csv
case_ "predict --input in_ragged.csv" err - -- $CLI predict -m model --input in_ragged.csv -o p.csv
case_ "predict --input in_big.csv (±1e308)" any "[ ! -e p_big.csv ] || ! grep -qi 'nan\|infinity' p_big.csv" -- $CLI predict -m model --input in_big.csv -o p_big.csv
case_ "predict -o ''" err - -- $CLI predict -m model --input $TEST -o ""
case_ "predict -o (a directory)" err "[ -d adir ]" -- $CLI predict -m model --input $TEST -o adir
case_ "predict -o missing/dir/p.csv" err "[ ! -e missing ]" -- $CLI predict -m model --input $TEST -o missing/dir/p.csv
case_ "predict -o - (stdout)" ok "[ \$(wc -l < \$W_OUT) = 1001 ] && [ ! -e ./- ]" -- $CLI predict -m model --input $TEST -o -
case_ "predict -o /dev/full (exit 3)" err "[ -c /dev/full ]" -- $CLI predict -m model --input $TEST -o /dev/full
case_ "predict -o /dev/null (in place)" ok "[ -c /dev/null ]" -- $CLI predict -m model --input $TEST -o /dev/null
ln -sf /dev/null nullink
case_ "predict -o (a symlink to /dev/null)" ok "[ -L nullink ] && [ -c /dev/null ]" -- $CLI predict -m model --input $TEST -o nullink
echo old > real.csv; ln -sf real.csv reallink
case_ "predict -o (a symlink to a regular file)" ok "[ -L reallink ] && head -1 real.csv | grep -q x1" -- $CLI predict -m model --input $TEST -o reallink
echo old > existing.csv
case_ "predict -o (an existing file: replaced)" ok "head -1 existing.csv | grep -q x1 && no_tmp ." -- $CLI predict -m model --input $TEST -o existing.csv
mkfifo fifo; (cat fifo > fifo.out &)
case_ "predict -o (a FIFO with a reader)" ok "[ -p fifo ] && sleep 1 && [ \$(wc -l < fifo.out) = 1001 ]" -- $CLI predict -m model --input $TEST -o fifo

echo "== evaluate: data"
case_ "evaluate --data nosuch.csv" err - -- $CLI evaluate -m model --data nosuch.csv
case_ "evaluate --data eval_nocol.csv (no y)" err - -- $CLI evaluate -m model --data eval_nocol.csv
case_ "evaluate --data eval_big.csv (x1e300)" err - -- $CLI evaluate -m model --data eval_big.csv
case_ "evaluate --data nan.csv" err - -- $CLI evaluate -m model --data nan.csv
case_ "evaluate --data (all-zero outputs: said so)" ok "grep -q 'plain MSE' \$W_ERR" -- $CLI evaluate -m model --data zeros.csv
case_ "evaluate --data empty.csv" err - -- $CLI evaluate -m model --data empty.csv
case_ "evaluate --data (a directory)" err - -- $CLI evaluate -m model --data adir

}

lane4() {
echo "== run"
for extra in "--problem K99" "--problem K1 --lambda nan" "--problem K1 --lambda Infinity" "--problem K1 --lr Infinity" "--problem K1 --lr nan" \
             "--problem K1 --epochs -1" "--problem K1 --lbfgs -1" "--problem K1 --nh 0" "--problem K1 --nh -1" "--problem K1 --threads 0" \
             "--problem K1 --width 0" "--problem K1 --depth 100" "--problem K1 --arch kan --kan-range -1e308,1e308" "--problem K1 --precision half" \
             "--problem K1 --lf maybe" "--problem K1 --design halton" "--problem K1 --arch siren --omega0 nan" "--problem 2DU --encoding affine --encoder-lambda -1" \
             "--problem K1 --encoder-lambda nan" "--problem K1 --lambda 1e308"; do
    case_ "run $extra" err - -- $CLI run --epochs 2 --lbfgs 0 $extra
done
case_ "run --problem K1 (works)" ok "grep -q 'multi-fidelity' \$W_OUT" -- $CLI run --problem K1 --epochs 2 --lbfgs 0

echo "== reproduce, figures, merge, slurm, export"
mkdir -p pf/experiments pf/results rofile && echo '{ not json' > pf/experiments/bad.json && touch rootfile
for extra in "--preset foo" "--only nosuch" "--shard 0/3" "--shard 4/3" "--shard abc" "--shard 1/0" "--root missingdir" "--root rootfile" "--jobs 0" "--jobs -1" "--root pf"; do
    case_ "reproduce $extra" err - -- $CLI reproduce $extra
done
case_ "figures --results nosuch.jsonl" err - -- $CLI figures --root pf --results nosuch.jsonl
case_ "figures --preset foo" err - -- $CLI figures --root pf --preset foo
case_ "merge (no shards)" err - -- $CLI merge --root pf
case_ "slurm --shards 0" err - -- $CLI slurm --shards 0 -o s.sh
case_ "slurm -o missing/dir/s.sh" err - -- $CLI slurm -o missing/dir/s.sh
case_ "slurm -o (a directory)" err - -- $CLI slurm -o adir
case_ "export --problem K99" err - -- $CLI export --problem K99 -o ex
case_ "export -o (an existing file)" err "[ \"\$(cat afile)\" = file ]" -- $CLI export --problem K1 -o afile
case_ "export --nh -1" err - -- $CLI export --problem K1 --nh -1 -o ex2

echo "== the C# facade (examples/CsvExample)"
for f in nosuch.csv empty.csv text.csv nan.csv ragged.csv big300.csv span308.csv onerow.csv; do
    case_ "facade train HF=$f" err "[ ! -e f_$f ]" -- $FACADE train $f $LF f_$f 5
done
case_ "facade train LF=nosuch.csv" err - -- $FACADE train $HF nosuch.csv f_x 5
case_ "facade train LF=lfnan.csv" err - -- $FACADE train $HF lfnan.csv f_x 5
case_ "facade Save onto a file" err "[ \"\$(cat afile)\" = file ]" -- $FACADE train $HF $LF afile 5
case_ "facade Save onto a non-model dir" err "[ \"\$(ls notmodel)\" = notes.txt ]" -- $FACADE train $HF $LF notmodel 5
case_ "facade Save with an empty name" err - -- $FACADE train $HF $LF "" 5
for m in nosuch afile mflip mjson mnewer mscale0 mshape mr1 mr4 mr5 mr7; do
    case_ "facade Load $m" err - -- $FACADE predict $m $TEST f_p.csv
done
case_ "facade predict --input in_nan.csv" err - -- $FACADE predict model in_nan.csv f_p.csv
case_ "facade works end to end" ok "[ -f f_ok/model.json ]" -- $FACADE train $HF $LF f_ok 5

}

# four lanes at once: the cases are independent, and each lane has its own output files
for lane in 1 2 3 4; do (LANE=$lane; lane$lane) > "$W/lane$lane.log" 2>&1 & done
wait
cat "$W"/lane1.log "$W"/lane2.log "$W"/lane3.log "$W"/lane4.log
tried=$(cat "$W"/lane*.log | grep -c '^clear \|^DEFECT')
clear=$(cat "$W"/lane*.log | grep -c '^clear ')
defects=$(cat "$W"/lane*.log | grep -c '^DEFECT')
skipped=$(cat "$W"/lane*.log | grep -c 'mounting a tmpfs is not allowed')
echo
echo "tried $tried, clear $clear, defects $defects (mount sections skipped: $skipped)"
cat "$W"/lane*.log | grep -A1 '^DEFECT' | grep -v '^--' 
[ "$defects" -eq 0 ]
