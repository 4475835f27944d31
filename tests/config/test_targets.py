"""A config can instantiate only callables from trusted packages (or ones the user allows)."""

from __future__ import annotations

import pytest

from dsft.config.errors import ConfigError
from dsft.config.validate import validate
from tests.conftest import compose_config, run_train


def test_a_logger_node_that_would_run_a_command_is_refused_before_anything_runs(tmp_path):
    marker = tmp_path / "ran"
    proc = run_train(
        ["+logger.evil._target_=os.system", f"+logger.evil.command='touch {marker}'"],
        tmp_path / "run",
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "logger.evil._target_: 'os.system' is not from a package dsft trusts" in proc.stderr
    assert "allowed_targets=[os]" in proc.stderr and "Traceback" not in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("optimizer.optimizer._target_=torch.load", "optimizer.optimizer._target_"),
        ("+callbacks.mine._target_=mypkg.callbacks.Mine", "callbacks.mine._target_"),
        ("strategy._target_=builtins.eval", "strategy._target_"),
    ],
)
def test_untrusted_targets_are_named(override, key):
    with pytest.raises(ConfigError, match=f"{key}: .* is not from a package dsft trusts"):
        validate(compose_config([override]))


def test_allowed_targets_trusts_a_users_own_module():
    override = "+callbacks.mine._target_=mypkg.callbacks.Mine"
    validate(compose_config([override, "allowed_targets=[mypkg]"]))  # no error
    with pytest.raises(ConfigError, match="callbacks.mine._target_"):
        validate(compose_config([override, "allowed_targets=[mypkgx]"]))  # a prefix is not a module
