# Helpers the cost benchmarks share (sourced): medians of interleaved repetitions, and their
# ratio to a baseline measured in the same run.

# The median of the numbers on stdin, one per line.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# M / BASE to three decimals.
ratio() { awk -v m="$1" -v b="$2" 'BEGIN {printf "%.3f", m / b}'; }
