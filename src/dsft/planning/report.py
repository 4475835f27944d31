"""The memory plan as text: a table of the terms, the total against the device, and the changes
that would make the run fit, each as overrides with its new total."""

from __future__ import annotations

from dsft.planning.memory import MemoryPlan, gib


def render(plan: MemoryPlan, title: str = "") -> str:
    s = plan.setup
    head = (
        f"Memory plan{': ' + title if title else ''} (per device; {s.method} r={s.rank}, "
        f"micro-batch {s.micro_batch} x {s.max_length} tokens, "
        f"checkpointing {'on' if s.checkpointing else 'off'})"
    )
    width = max(len(t.name) for t in plan.terms)
    lines = [head]
    for term in plan.terms:
        lines.append(f"  {term.name:<{width}}  {gib(term.bytes):>11}  {term.detail}")
    lines.append(f"  {'total':<{width}}  {gib(plan.total):>11}")
    if s.memory_bytes is None:
        lines.append(f"  device memory {s.memory_source}: cannot say whether it fits")
    else:
        verdict = "fits" if plan.fits else "does NOT fit"
        lines.append(
            f"  device memory {gib(s.memory_bytes)} ({s.memory_source}): {verdict} "
            f"({100 * plan.total / s.memory_bytes:.0f}%)"
        )
    lines += [f"  note: {note}" for note in plan.notes]
    if plan.fits is False:
        if plan.changes:
            lines.append("  to make it fit (each alone, cheapest first):")
            for change in plan.changes:
                verdict = "fits" if change.plan.fits else "still does not fit"
                lines.append(
                    f"    {' '.join(change.overrides):<60} {gib(change.plan.total):>11}  {verdict}"
                )
        else:
            lines.append("  no change dsft knows makes it fit on one device of this size")
    return "\n".join(lines)
