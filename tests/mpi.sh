#!/bin/sh
# mpi.sh BIN - two MPI ranks give exactly the one-process result, for a plain run and for one cut by
# --until-errors; a command other than run refuses mpirun. Without an MPI build it says so and passes.
set -u
bin=$1; tmp=$(mktemp -d); fails=0
if ! $bin --version | grep -q "MPI: Open MPI"; then echo "skip mpi: pam4sim was built without MPI (no mpicc)"; exit 0; fi
# CI runs as root; two ranks on a 2-core machine; shared memory without ptrace (containers)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
args="--symbols 300000 --set sim.unit_symbols=8192 --set channel.il_nyquist_db=34 --set rx.noise.rms_v=0.0016"
for extra in "" "--until-errors 150"; do
  $bin run $args $extra -j 2 --json $tmp/one.json > $tmp/one.txt 2>&1
  mpirun -np 2 $bin run $args $extra -j 1 --json $tmp/two.json > $tmp/two.txt 2>&1
  grep -v '"threads"' $tmp/one.json > $tmp/a; grep -v '"threads"' $tmp/two.json > $tmp/b
  if [ -s $tmp/a ] && grep -q '"bit_errors"' $tmp/a && cmp -s $tmp/a $tmp/b && grep -q "2 processes" $tmp/two.txt; then
    echo "ok   mpi: 2 ranks x 1 thread = 1 process x 2 threads ${extra:-(whole run)}"
  else
    echo "FAIL mpi ${extra}: results differ"; tail -5 $tmp/two.txt; fails=$((fails+1))
  fi
done
out=$(mpirun -np 2 $bin jtol 2>&1); rc=$?
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "only run splits its work"; then echo "ok   mpi: other commands refuse mpirun"
else echo "FAIL mpi: jtol under mpirun: status $rc, $out"; fails=$((fails+1)); fi
rm -rf $tmp
[ $fails = 0 ]
