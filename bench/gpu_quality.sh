#!/usr/bin/env bash
# The quality benchmark on a many-core machine with one GPU, within a fixed wall-clock budget.
# Each (class order, training seed) pair and the ceiling of each seed run as separate processes,
# so a budget cut leaves whole single-seed comparisons; every finished run is also kept in a
# resumable journal under $JOURNALS/seed<S>/order<K>. Reports go to $REPORTS.
#   BUDGET=480 EPOCHS=30 SEEDS="0 1" ORDERS="0 1 2 3 4" DATA=path bash bench/gpu_quality.sh
# EXTRA passes more bench_quality.py flags to the ceiling and the orders alike, e.g.
#   EXTRA="--augment flip,translate --weight-decay 0.05" STRATEGIES=none,weight_balancing,...
# The representation remedies (issue 18) against the best of today's:
#   STRATEGIES=none,logit_adjusted,crt_la,weight_balancing,cutmix_drw,sam,imbsam \
#   EXTRA="--grid none.weight_decay=0,0.05" bash bench/gpu_quality.sh
set -u
BUDGET=${BUDGET:-480}
EPOCHS=${EPOCHS:-30}
SEEDS=${SEEDS:-"0 1"}
ORDERS=${ORDERS:-"0 1 2 3 4"}
JOURNALS=${JOURNALS:-/tmp/quality-journals}
REPORTS=${REPORTS:-bench/results}
DATA=${DATA:-}
PYTHON=${PYTHON:-python3}
EXTRA=${EXTRA:-}
STRATEGIES=${STRATEGIES:-none,balanced,logit_adjusted,drw,ldam_drw,la_drw,focal,posthoc,tau_norm,crt,crt_la,mixup_drw}
export XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
mkdir -p "$JOURNALS" "$REPORTS"
for seed in $SEEDS; do
    common=(--epochs "$EPOCHS" --seeds "$seed" --output "$JOURNALS/seed$seed" --skip-digits)
    [ -n "$DATA" ] && common+=(--data-path "$DATA")
    # shellcheck disable=SC2206
    [ -n "$EXTRA" ] && common+=($EXTRA)
    timeout "$BUDGET" "$PYTHON" bench/bench_quality.py "${common[@]}" --ceiling-only \
        --json "$REPORTS/ceiling_seed$seed.json" >"$REPORTS/ceiling_seed$seed.log" 2>&1 &
    for order in $ORDERS; do
        timeout "$BUDGET" "$PYTHON" bench/bench_quality.py "${common[@]}" --skip-ceiling \
            --orders "$order" --strategies "$STRATEGIES" \
            --json "$REPORTS/order${order}_seed$seed.json" >"$REPORTS/order${order}_seed$seed.log" 2>&1 &
    done
done
wait
for log in "$REPORTS"/*.log; do echo "== $log"; grep -E "^ceiling|^order|gap closed" "$log" | tail -n 2; done
