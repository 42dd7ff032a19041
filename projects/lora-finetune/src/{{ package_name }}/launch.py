"""The launcher's word against what was built: processes that would not form one run are refused.

`accelerate launch` and torchrun announce in each process's environment how many
processes they started together. Only the CLI reads the environment; it hands it to
`launched_processes` before torch is imported, and `train` compares the answer with
the world that accelerate actually built (`check_one_run`).
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import LaunchError

# Where accelerate looks for the world size: torchrun's variable, then those of MPI launchers.
WORLD_SIZE_VARIABLES = ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
FIX = (
    "on CPU launch with --config_file configs/accelerate/cpu.yaml (use_cpu: true); "
    "on GPUs with configs/accelerate/ddp.yaml, one process per GPU"
)


def launched_processes(environment: Mapping[str, str]) -> int:
    """How many processes the launcher started together, as their environment says.

    `accelerate launch --num_processes 2` with no multi-process config (no --config_file,
    fewer than two GPUs) falls back to its single-process launcher: it exports
    MASTER_ADDR for the processes asked for, starts one, and names no world size. That
    one process would train alone without a word, so the launch is refused here.
    """
    for name in WORLD_SIZE_VARIABLES:
        if name in environment:
            value = environment[name]
            if not value.isdigit() or int(value) < 1:
                raise LaunchError(f"{name}={value!r} is not a number of processes")
            return int(value)
    # ACCELERATE_USE_CPU marks a process started by `accelerate launch` (set on GPUs too).
    if "ACCELERATE_USE_CPU" in environment and "MASTER_ADDR" in environment:
        raise LaunchError(
            "accelerate launch set MASTER_ADDR for several processes but started one "
            f"(no launcher config, so no world size): {FIX}"
        )
    return 1


def check_one_run(world_size: int, launched: int) -> None:
    """Refuse processes that were launched together but would train apart.

    On a machine without GPUs, `accelerate launch` with a GPU recipe starts N processes
    that each see a world of one: N independent trainings writing into the same folder.
    """
    if launched > 1 and world_size != launched:
        raise LaunchError(
            f"launched as {launched} processes, but they would train apart "
            f"(world size {world_size}): {FIX}"
        )
