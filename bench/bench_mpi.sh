#!/bin/sh
# bench_mpi.sh BIN - wall time of one run as 1 process x 1 thread, 1 process x 2 threads and
# 2 MPI processes x 1 thread, with the speed-ups and whether the results are identical. Prints
# figures; never fails on time. Skipped without an MPI build.
bin=$1; tmp=$(mktemp -d)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
args="--symbols 10000000 --set channel.il_nyquist_db=34 --set rx.noise.rms_v=0.0016"
t() { s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); awk "BEGIN{print $e - $s}"; }
ratio() { awk "BEGIN{print $1 / $2}"; }
t1=$(t $bin run $args -j 1 --json $tmp/1.json)
t2=$(t $bin run $args -j 2 --json $tmp/2.json)
echo
echo "processes (default link, 1e7 symbols, the whole command: each process also sets the link up, about 0.7 s):"
printf "  1 process  x 1 thread   %6.2f s\n" $t1
printf "  1 process  x 2 threads  %6.2f s  speed-up %.2fx\n" $t2 $(ratio $t1 $t2)
if $bin --version | grep -q "MPI: Open MPI"; then
  tm=$(t mpirun -np 2 $bin run $args -j 1 --json $tmp/m.json)
  for f in 2 m; do grep -v '"threads"' $tmp/$f.json > $tmp/$f.txt; done; grep -v '"threads"' $tmp/1.json > $tmp/1.txt
  same=no; cmp -s $tmp/1.txt $tmp/2.txt && cmp -s $tmp/1.txt $tmp/m.txt && same=yes
  printf "  2 MPI ranks x 1 thread  %6.2f s  speed-up %.2fx  results identical: %s\n" $tm $(ratio $t1 $tm) $same
else
  echo "  (no MPI build: mpicc was not found)"
fi
rm -rf $tmp
