"""Jobs whose processes a cluster launcher starts, one per device (SLURM's srun, submitit's
tasks): Lightning joins them as the ranks of one run instead of launching its own."""

from __future__ import annotations

import os

from lightning.fabric.plugins.environments import ClusterEnvironment


class SubmititLocalEnvironment(ClusterEnvironment):
    """The tasks of a submitit local job (`hydra/launcher=submitit_local
    hydra.launcher.tasks_per_node=N`) as ranks, from the variables submitit sets in each task;
    on SLURM, Lightning's SLURMEnvironment reads SLURM's own."""

    @property
    def creates_processes_externally(self) -> bool:
        return True

    @property
    def main_address(self) -> str:
        return os.environ.get("MASTER_ADDR", "127.0.0.1")

    @property
    def main_port(self) -> int:
        # The same in every task of the job: from the job id (the local controller's pid).
        job = int(os.environ.get("SUBMITIT_LOCAL_JOB_ID", "0").split("_")[0] or 0)
        return int(os.environ.get("MASTER_PORT", 20000 + job % 20000))

    @staticmethod
    def detect() -> bool:
        return (
            os.environ.get("SUBMITIT_EXECUTOR") == "local"
            and int(os.environ.get("SUBMITIT_LOCAL_NTASKS", "1")) > 1
        )

    def world_size(self) -> int:
        return int(os.environ["SUBMITIT_LOCAL_NTASKS"])

    def set_world_size(self, size: int) -> None:
        pass  # set by submitit

    def global_rank(self) -> int:
        return int(os.environ["SUBMITIT_LOCAL_GLOBALID"])

    def set_global_rank(self, rank: int) -> None:
        pass

    def local_rank(self) -> int:
        return int(os.environ["SUBMITIT_LOCAL_LOCALID"])

    def node_rank(self) -> int:
        return int(os.environ.get("SUBMITIT_LOCAL_NODEID", "0"))


def cluster_plugins() -> list:
    """The Lightning cluster environment of a job whose processes were launched for it: SLURM's
    (with Lightning's mid-step auto-requeue off: dsft.training.requeue requeues at a step
    boundary), or submitit's local tasks; none otherwise."""
    from lightning.pytorch.plugins.environments import SLURMEnvironment

    if SLURMEnvironment.detect():
        return [SLURMEnvironment(auto_requeue=False)]
    if SubmititLocalEnvironment.detect():
        return [SubmititLocalEnvironment()]
    return []
