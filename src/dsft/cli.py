"""The `dsft` command: tools that work on finished runs (training itself is `python train.py`).

    dsft eval outputs/runs/<run>                         # the default evaluation suite
    dsft eval outputs/runs/<run> eval=medical_mc         # a named suite (conf/eval/)
    dsft eval outputs/runs/<run> --against base          # A/B against the run's base model
    dsft compare outputs/multirun/<time>                 # rank a sweep's jobs, plot them
    dsft compare outputs/runs/<a> outputs/runs/<b> --out cmp --metric tokens_per_s --descending
    dsft compare wandb:my-team/dsft/<group>              # a sweep's runs from W&B (online)

Also `python -m dsft.cli compare ...`. Only `eval` imports torch: comparing runs reads their
run records (summary.json, .hydra/overrides.yaml, csv/metrics.csv) from disk, or from the W&B API
for `wandb:` sources.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from dsft.tracking.compare import METRICS

    parser = argparse.ArgumentParser(prog="dsft", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compare = commands.add_parser(
        "compare",
        help="rank runs by a metric; write comparison.csv and PNG plots",
        description=(
            "Rank finished runs by a metric and print a table (best run starred); write "
            "comparison.csv, val_loss_curves.png and metric_vs_<key>.png for each swept key. "
            "Reads local run dirs (offline), or W&B runs with wandb:ENTITY/PROJECT[/GROUP]."
        ),
    )
    compare.add_argument(
        "paths",
        nargs="+",
        metavar="RUN_OR_MULTIRUN_DIR",
        help="a run dir (outputs/runs/<run>), a sweep dir (outputs/multirun/<time>) or "
        "wandb:ENTITY/PROJECT[/GROUP]; several ok",
    )
    compare.add_argument(
        "--metric",
        default="final_val_loss",
        metavar="METRIC",
        help=f"what to rank by: {', '.join(METRICS)}, or eval/<task>/<metric> from a run's "
        "evaluation, e.g. eval/medical_mc/accuracy (default: final_val_loss)",
    )
    compare.add_argument(
        "--descending",
        action="store_true",
        help="highest first (for tokens_per_s); the default is lowest first",
    )
    compare.add_argument(
        "--out",
        metavar="DIR",
        help="where to write the CSV and plots (default: the sweep dir when the only input is "
        "one, else ./comparison)",
    )
    _add_eval_parser(commands)
    return parser


def _add_eval_parser(commands) -> None:
    evaluate = commands.add_parser(
        "eval",
        help="evaluate a finished run: perplexity, multiple choice, latency, memory",
        description=(
            "Run an evaluation suite (conf/eval/<name>.yaml) on a finished run and write "
            "<run>/eval/<suite>.json. Overrides change the suite: eval=medical_mc, "
            "eval.tasks.latency.repeats=5."
        ),
    )
    evaluate.add_argument("run", metavar="RUN_DIR", help="a finished run dir (outputs/runs/<run>)")
    evaluate.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="suite overrides")
    evaluate.add_argument("--stage", help="a stage of a multi-stage run (default: the last)")
    evaluate.add_argument(
        "--overwrite", action="store_true", help="replace <suite>.json instead of adding -<n>"
    )
    evaluate.add_argument(
        "--against",
        metavar="base|RUN_DIR",
        help="A/B: the same suite on the run's base model or another run, paired per item, with "
        "95%% bootstrap intervals (written to <run>/eval/ab-<other>.json)",
    )


def _evaluate(parser, args) -> None:
    from dsft.config.errors import ConfigError
    from dsft.evaluation.command import evaluate_run
    from dsft.evaluation.mc_data import EvalDataError
    from dsft.runs import RunError

    try:
        evaluate_run(args.run, args.overrides, args.stage, args.overwrite, args.against)
    except (ConfigError, EvalDataError, RunError) as err:
        parser.exit(2, f"dsft eval: error: {err}\n")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "eval":
        _evaluate(parser, args)
    if args.command == "compare":
        from dsft.tracking.compare import CompareError, compare

        try:
            compare(args.paths, metric=args.metric, out=args.out, descending=args.descending)
        except CompareError as err:
            parser.exit(2, f"dsft compare: error: {err}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
