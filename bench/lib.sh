# Helpers the cost benchmarks share (sourced): medians of interleaved repetitions, and their
# ratio to a baseline measured in the same run.

# The median of the numbers on stdin, one per line.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# M / BASE to three decimals.
ratio() { awk -v m="$1" -v b="$2" 'BEGIN {printf "%.3f", m / b}'; }

# "MEDIAN RATIO" of workload W under CONFIG, from a file of "CONFIG W VALUE" lines, the ratio
# against the median of configuration "none" (the client alone) in the same file.
median_vs_none() {
  local file=$1 config=$2 w=$3 base m
  base=$(awk -v w="$w" '$1 == "none" && $2 == w {print $3}' "$file" | median)
  m=$(awk -v c="$config" -v w="$w" '$1 == c && $2 == w {print $3}' "$file" | median)
  echo "$m $(ratio "$m" "$base")"
}
