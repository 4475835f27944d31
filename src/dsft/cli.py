"""The `dsft` command: train, plan a run; evaluate, chat with, export, repeat and compare runs.

    dsft train                                           # the default run (tiny model, CPU)
    dsft train adapter=qlora data=medical optimizer.lr=1e-4   # the same overrides as train.py
    dsft train --config-dir ~/my_project/conf data=my_domain  # your own groups on top of dsft's
    dsft eval outputs/runs/<run>                         # the default evaluation suite
    dsft eval outputs/runs/<run> eval=medical_mc         # a named suite (conf/eval/)
    dsft eval outputs/runs/<run> --against base          # A/B against the run's base model
    dsft chat outputs/runs/<run>                         # chat, streamed, with the run's template
    dsft chat outputs/runs/<run> --prompt "Hi" --temperature 0   # one answer to stdout
    dsft export outputs/runs/<run> --format merged,onnx  # checked exports in <run>/export/
    dsft rerun outputs/runs/<run>                        # train it again, same config and data
    dsft plan model=deepseek_v2_lite adapter=qlora hardware=a100   # will it fit? what to change
    dsft data preview data=medical -n 2 --plot           # the data as the model sees it
    dsft doctor outputs/runs/<run>                       # overfitting? diverged? what to try
    dsft compare outputs/multirun/<time>                 # rank a sweep's jobs, plot them
    dsft compare outputs/runs/<a> outputs/runs/<b> --out cmp --metric tokens_per_s --descending
    dsft compare wandb:my-team/dsft/<group>              # a sweep's runs from W&B (online)

Also `python -m dsft.cli compare ...`. Only `eval`, `chat` and `export` import torch: `plan`
computes from the model YAML's shape values; comparing runs reads their run records
(summary.json, .hydra/overrides.yaml, csv/metrics.csv) from disk, or
from the W&B API for `wandb:` sources.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from dsft import __version__
    from dsft.tracking.compare import METRICS

    parser = argparse.ArgumentParser(prog="dsft", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"dsft {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "train",
        help="train an adapter: the same app and overrides as train.py (see `dsft train --help`)",
        add_help=False,  # `dsft train ...` goes to Hydra whole, --help included (see main)
    )
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
    _add_chat_parser(commands)
    _add_data_parser(commands)
    doctor = commands.add_parser(
        "doctor",
        help="find the usual training problems in runs, with the evidence and what to try",
        description=(
            "Read runs' metrics, summary and error and report the usual problems of LoRA "
            "fine-tuning: divergence (NaN, a loss that ends above its start), overfitting (val "
            "loss rising while train loss falls), an oscillating loss, no progress, out of "
            "memory, low GPU utilization; each with its evidence (steps, values) and the "
            "overrides to try. A sweep dir checks every job. Exits 1 when it found something."
        ),
    )
    doctor.add_argument(
        "paths", nargs="+", metavar="RUN_OR_MULTIRUN_DIR", help="run dirs or sweep dirs"
    )
    _add_export_parser(commands)
    plan = commands.add_parser(
        "plan",
        help="predict a run's peak memory per device, term by term, and what makes it fit",
        description=(
            "Predict the peak memory of `python train.py [overrides]` per device from the config "
            "alone (the model YAML's architecture values; no download, no torch): weights by "
            "dtype and quantization, adapter parameters, gradients, optimizer states, "
            "activations, the loss, runtime overhead; the total against hardware.memory_gb; and "
            "when it does not fit, the cheapest changes that make it fit. Exits 1 when it does "
            "not fit. `python train.py plan=true` prints the same before a run and refuses one "
            "that does not fit (plan.force=true starts it anyway)."
        ),
    )
    plan.add_argument(
        "overrides", nargs="*", metavar="KEY=VALUE", help="the same overrides as train.py"
    )
    rerun = commands.add_parser(
        "rerun",
        help="train a run again from the start, with its own config, into a new dir",
        description=(
            "Train a run again from the start with the config it recorded, into a new run dir "
            "(python train.py rerun=RUN_DIR). Refused, naming the file, when a data file it read "
            "has changed since (its sha256 is in summary.json), and naming the key when the "
            "config files changed what it would learn. On CPU in fp32 the losses repeat bit for "
            "bit."
        ),
    )
    rerun.add_argument("run", metavar="RUN_DIR", help="the run to repeat (outputs/runs/<run>)")
    rerun.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="what may differ without changing what is learned: logger=..., hydra.run.dir=...",
    )
    return parser


def _add_run_arguments(parser) -> None:
    """The finished run a subcommand works on: its dir, and a stage of a multi-stage one."""
    parser.add_argument("run", metavar="RUN_DIR", help="a finished run dir (outputs/runs/<run>)")
    parser.add_argument("--stage", help="a stage of a multi-stage run (default: the last)")


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
    _add_run_arguments(evaluate)
    evaluate.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="suite overrides")
    evaluate.add_argument(
        "--overwrite", action="store_true", help="replace <suite>.json instead of adding -<n>"
    )
    evaluate.add_argument(
        "--against",
        metavar="base|RUN_DIR",
        help="A/B: the same suite on the run's base model or another run, paired per item, with "
        "95%% bootstrap intervals (written to <run>/eval/ab-<other>.json)",
    )


def _add_data_parser(commands) -> None:
    data = commands.add_parser(
        "data",
        help="look at the data as the model sees it (`dsft data preview`)",
        description="Look at a data config as the model will see it, before training.",
    )
    actions = data.add_subparsers(dest="action", required=True, metavar="ACTION")
    preview = actions.add_parser(
        "preview",
        help="examples with the loss tokens highlighted, and length/truncation/packing stats",
        description=(
            "Render examples of `train.py [overrides]`'s data with the model's chat template, "
            "the tokens that carry loss highlighted, each example's token counts; then examples "
            "per source and split, length percentiles, what max_length truncated or dropped, and "
            "the packing fill rate. Loads the tokenizer only, never model weights."
        ),
    )
    preview.add_argument(
        "overrides", nargs="*", metavar="KEY=VALUE", help="the same overrides as train.py"
    )
    preview.add_argument("-n", type=int, default=5, help="how many examples (default 5)")
    preview.add_argument(
        "--split", choices=("train", "val", "test"), default="train", help="(default: train)"
    )
    preview.add_argument("--random", action="store_true", help="random examples, not the first")
    preview.add_argument(
        "--plot",
        nargs="?",
        const="data_lengths.png",
        metavar="PNG",
        help="also write a token-length histogram (default: ./data_lengths.png)",
    )


def _data(parser, args) -> None:
    from dsft.config.errors import ConfigError
    from dsft.data.preview import preview
    from dsft.data.reading import DataError

    try:
        preview(args.overrides, args.n, args.split, args.random, args.plot)
    except (ConfigError, DataError, ValueError) as err:
        parser.exit(2, f"dsft data preview: error: {err}\n")


def _add_chat_parser(commands) -> None:
    chat = commands.add_parser(
        "chat",
        help="chat with a finished run, streamed, with the run's chat template",
        description=(
            "Chat with the model a run trained (or its base model), prompted with the run's chat "
            "template. Interactive by default (history kept; /reset, /exit); --prompt prints one "
            "answer to stdout and its timing to stderr."
        ),
    )
    _add_run_arguments(chat)
    chat.add_argument("--prompt", help="answer this one message and exit (scriptable)")
    chat.add_argument("--system", help="a system prompt")
    chat.add_argument("--base", action="store_true", help="the run's base model, for comparison")
    chat.add_argument("--max-new-tokens", type=int, default=256, metavar="N", help="(default 256)")
    chat.add_argument(
        "--temperature", type=float, default=0.6, help="0 is greedy decoding (default 0.6)"
    )
    chat.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling (default 0.95)")
    chat.add_argument("--top-k", type=int, default=None, help="keep the k likeliest tokens")
    chat.add_argument("--repetition-penalty", type=float, default=1.0, help="(default 1.0)")
    chat.add_argument("--seed", type=int, help="make sampling reproducible")
    chat.add_argument(
        "--thinking",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="R1 / V3.1 templates: reason first (--thinking) or answer at once (--no-thinking); "
        "default: the template's own generation prompt",
    )
    chat.add_argument("--device", default="auto", help="auto (a GPU when there is one), cpu, cuda")


def _add_export_parser(commands) -> None:
    from dsft.export.catalog import FORMAT_HELP

    export = commands.add_parser(
        "export",
        help="export a finished run (merged, nf4, adapter, onnx, torchscript), each checked",
        description=(
            "Export a finished run into <run>/export/<format>/ (or --out DIR/<format>/). Each "
            "export is loaded back and compared with the trained model (logits on a fixed batch, "
            "greedy tokens, chat template ids); the numbers go to its export.json. One that fails "
            "is kept as <format>.failed and the command exits 1. Formats: "
            + "; ".join(f"{name}: {text}" for name, text in FORMAT_HELP.items())
        ),
    )
    _add_run_arguments(export)
    export.add_argument(
        "--format",
        default="merged",
        metavar="FORMATS",
        help=f"comma-separated, of {','.join(FORMAT_HELP)} (default: merged)",
    )
    export.add_argument(
        "--out", metavar="DIR", help="where the <format>/ dirs go (default <run>/export)"
    )
    export.add_argument("--overwrite", action="store_true", help="replace an existing export")
    export.add_argument("--device", default="cpu", help="where the model is merged and checked")


def _export(parser, args) -> None:
    from dsft.export.command import export_run
    from dsft.export.errors import ExportError, ExportFailed
    from dsft.runs import RunError

    try:
        written = export_run(
            args.run, args.format, args.out, args.overwrite, args.stage, args.device
        )
    except (ExportError, RunError) as err:
        parser.exit(2, f"dsft export: error: {err}\n")
    except ExportFailed as err:
        parser.exit(1, f"dsft export: {err}\n")
    for path in written.values():
        print(path)


def _chat(parser, args) -> None:
    from dsft.chat import Sampling, chat
    from dsft.runs import RunError

    try:
        sampling = Sampling(
            max_new_tokens=args.max_new_tokens,
            temperature=args.temperature,
            top_p=args.top_p,
            top_k=args.top_k,
            repetition_penalty=args.repetition_penalty,
            seed=args.seed,
        )
        chat(
            args.run,
            args.stage,
            args.base,
            args.prompt,
            args.system,
            args.thinking,
            sampling,
            args.device,
        )
    except (RunError, ValueError) as err:
        parser.exit(2, f"dsft chat: error: {err}\n")


def _evaluate(parser, args) -> None:
    from dsft.config.errors import ConfigError
    from dsft.evaluation.command import evaluate_run
    from dsft.evaluation.mc_data import EvalDataError
    from dsft.runs import RunError

    try:
        evaluate_run(args.run, args.overrides, args.stage, args.overwrite, args.against)
    except (ConfigError, EvalDataError, RunError) as err:
        parser.exit(2, f"dsft eval: error: {err}\n")


def _rerun(parser, args) -> int:
    """`train.py rerun=RUN` in the checkout the run was trained from, or `dsft train rerun=RUN`
    (with outputs next to the run's) for a run an installed dsft trained."""
    import os
    import subprocess
    from pathlib import Path

    import yaml

    run = Path(args.run).expanduser().resolve()
    try:
        paths = yaml.safe_load((run / "config.yaml").read_text())["paths"]
        root = Path(paths["root_dir"])
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        parser.exit(2, f"dsft rerun: error: {run} has no readable config.yaml: not a run dir.\n")
    if (root / "train.py").is_file():
        command = [sys.executable, str(root / "train.py"), f"rerun={run}", *args.overrides]
        return subprocess.call(command, cwd=root)
    if not (root / "conf" / "train.yaml").is_file():
        parser.exit(2, f"dsft rerun: error: {root}/conf (the run's config tree) is gone.\n")
    work_dir = paths.get("work_dir") or os.getcwd()
    env = {**os.environ, "DSFT_ROOT": str(root), "DSFT_WORK_DIR": str(work_dir)}
    command = [sys.executable, "-m", "dsft.app", f"rerun={run}", *args.overrides]
    return subprocess.call(command, cwd=work_dir, env=env)


def _plan(parser, args) -> int:
    from dsft.config.compose import compose_train
    from dsft.config.errors import ConfigError
    from dsft.config.validate import validate
    from dsft.planning.memory import plan_memory, setup_from_config
    from dsft.planning.report import render

    try:
        cfg = compose_train(args.overrides)
        validate(cfg)
        plan = plan_memory(setup_from_config(cfg))
    except (ConfigError, ValueError, NotImplementedError) as err:
        parser.exit(2, f"dsft plan: error: {err}\n")
    print(render(plan, " ".join(args.overrides)))
    return 1 if plan.fits is False else 0


def train(overrides: list[str]) -> int:
    """`dsft train [overrides]`: dsft.app run as `__main__`, so Lightning's DDP launcher starts
    ranks > 0 as `python -m dsft.app <the same overrides>` (a console script has no module
    Python could re-run)."""
    import runpy

    argv = sys.argv
    sys.argv = ["dsft train", *overrides]
    try:
        runpy.run_module("dsft.app", run_name="__main__", alter_sys=True)
    except SystemExit as done:  # Hydra exits 1 on an error it has reported
        return done.code if isinstance(done.code, int) else 1
    finally:
        sys.argv = argv
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["train"]:  # before argparse, which would take Hydra's flags for its own
        return train(argv[1:])
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # Overrides after an option (`-n 2 data.packing=true`) are still overrides.
    if extra and hasattr(args, "overrides") and all("=" in a and a[0] != "-" for a in extra):
        args.overrides = [*args.overrides, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "eval":
        _evaluate(parser, args)
    if args.command == "data":
        _data(parser, args)
    if args.command == "doctor":
        from dsft.tracking.doctor import DoctorError, report

        try:
            text, findings = report(args.paths)
        except DoctorError as err:
            parser.exit(2, f"dsft doctor: error: {err}\n")
        print(text)
        return 1 if findings else 0
    if args.command == "chat":
        _chat(parser, args)
    if args.command == "export":
        _export(parser, args)
    if args.command == "rerun":
        return _rerun(parser, args)
    if args.command == "plan":
        return _plan(parser, args)
    if args.command == "compare":
        from dsft.tracking.compare import CompareError, compare

        try:
            compare(args.paths, metric=args.metric, out=args.out, descending=args.descending)
        except CompareError as err:
            parser.exit(2, f"dsft compare: error: {err}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
