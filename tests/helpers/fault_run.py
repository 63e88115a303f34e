"""A seeded run of random operations and faults on the fault network, and the wait for it to settle.

Each step is one of: an administrator's batch on one node (`vidensnet import` of new items and new
versions, some of them narrowing or widening the audience, trend bulletins from the district nodes,
then perhaps `vidensnet retract`), a proxy switching mode, or `kill -9` of a node (restarted a few steps
later). Every choice comes from one random.Random(seed), so a failing seed replays the same sequence
of actions (their timing against the nodes' own schedules differs from run to run).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.helpers.fault_ledger import Ledger, LedgerItem, duplicates_in_export, network_problems
from tests.helpers.fault_network import MIDTVEST, OST, PULL_SECONDS, FaultNetwork, FaultNode

MAX_DOWN = 2  # nodes killed at the same time
PROXY_MODES = ("pass", "delay", "drop", "partition", "blackhole")
PROXY_WEIGHTS = (25, 20, 25, 20, 10)


class FaultRunFailed(AssertionError):
    """The network did not settle to the expected holdings in time; the message has the seed and the diff."""


class FaultRun:
    """Random operations and faults on a running FaultNetwork, recorded in a Ledger."""

    def __init__(self, network: FaultNetwork, seed: int, workdir: Path, say: Callable[[str], None] = print):
        self.network, self.seed, self.workdir, self.say = network, seed, Path(workdir), say
        self.random = random.Random(seed)
        self.ledger = Ledger()
        self.faults: Counter = Counter()
        self.restart_at: dict[str, int] = {}  # node id -> the step at which it starts again
        self.steps = 0
        self._serial = 0
        say(f"fault run seed={seed} (replay: VIDENSNET_FAULT_SEED={seed})")

    # --- the faulty phase ------------------------------------------------------------------------

    def run(self, seconds: float) -> None:
        """Take random steps for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.step()
            time.sleep(self.random.uniform(0.1, 0.8))

    def step(self) -> None:
        """One random step: operations on a node (most often), a proxy's mode, or a kill."""
        self.steps += 1
        self._restart_due()
        roll = self.random.random()
        if roll < 0.55:
            self.operate(self.random.choice(list(self.network.nodes.values())))
        elif roll < 0.87:
            self.switch_proxy()
        else:
            self.crash()

    def operate(self, node: FaultNode) -> None:
        """An administrator's batch on one node: one to three changes in one import, sometimes a retraction."""
        live = self.ledger.live(node.spec.id)
        self.random.shuffle(live)
        changes = []
        for _ in range(self.random.randint(1, 3)):
            if live and self.random.random() < 0.6:
                changes.append(self._new_version(node, live.pop()))
            else:
                changes.append(self._new_item(node))
        self._import(node, changes)
        if live and self.random.random() < 0.35:
            item = live.pop()
            node.cli("retract", item.id)
            self.ledger.retracted(item.id)

    def switch_proxy(self) -> None:
        """Put one proxy into a random mode (pass, delay, drop, partition, blackhole)."""
        node_id = self.random.choice(sorted(self.network.proxies))
        proxy = self.network.proxies[node_id]
        mode = self.random.choices(PROXY_MODES, PROXY_WEIGHTS)[0]
        if mode == "delay":
            seconds = round(self.random.uniform(0.05, 0.6), 2)
            proxy.delay(seconds)
            mode = f"delay {seconds} s"
        elif mode == "drop":
            proxy.drop(self.random.randint(0, 8192))
        else:
            getattr(proxy, {"pass": "pass_through"}.get(mode, mode))()
        if mode != "pass":
            self.faults[mode.split()[0]] += 1
        self.ledger.note("proxy", f"proxy of {node_id}: {mode}")

    def crash(self) -> None:
        """kill -9 one running node (unless MAX_DOWN are down already); it starts again 3-10 steps later."""
        running = [n for n in self.network.nodes.values() if n.running]
        node = self.random.choice(running)
        if len(self.restart_at) >= MAX_DOWN:
            return
        node.crash()
        self.restart_at[node.spec.id] = self.steps + self.random.randint(3, 10)
        self.faults["kill -9"] += 1
        self.ledger.note("kill", f"kill -9 {node.spec.id}")

    def _restart_due(self) -> None:
        for node_id, step in sorted(self.restart_at.items()):
            if step <= self.steps:
                self.network.nodes[node_id].start()
                del self.restart_at[node_id]
                self.ledger.note("restart", f"restart {node_id}")

    def cover_every_kind(self) -> None:
        """Make sure the run had at least one bulletin, narrowing, retraction and kill -9, whatever the seed."""
        police = self.network.nodes["oestjyllands-politi"]
        if not any(i.type == "bulletin" for i in self.ledger.items.values()):
            self._serial += 1
            self._import(police, [self._bulletin(police, f"tendens-{self._serial}")])
        if not self.ledger.counts.get("narrow"):
            self._serial += 1
            item = {"id": f"emne-{self._serial}", "type": "method", "title": "Snart kun for distriktet",
                    "summary": "Først for alle.", "audience": "public"}
            self._import(police, [item])
            self._import(police, [{**item, "summary": "Nu kun for distriktet.", "audience": {"districts": [OST]}}])
        if not self.ledger.counts.get("retract"):
            item = self.ledger.live()[0]
            self.network.nodes[item.origin].cli("retract", item.id)
            self.ledger.retracted(item.id)
        if not self.faults["kill -9"]:
            self.steps += 1
            self.crash()  # the settling phase starts it again

    # --- items -----------------------------------------------------------------------------------

    def _new_item(self, node: FaultNode) -> dict:
        self._serial += 1
        spec = node.spec
        if spec.kind == "police" and self.random.random() < 0.5:
            return self._bulletin(node, f"tendens-{self._serial}")
        kind = {"municipality": "practice", "police": "method", "national": "guidance"}[spec.kind]
        content = {"id": f"emne-{self._serial}", "type": kind, "title": f"Indsats nummer {self._serial}",
                   "summary": f"Første udgave, skridt {self.steps}.", "audience": self._audience(node)}
        if spec.municipality:
            content["municipalities"] = [spec.municipality]
        return content

    def _bulletin(self, node: FaultNode, local_id: str, summary: str | None = None) -> dict:
        home, other = _districts(node)
        audience = self.random.choice([{"districts": [home]}, {"districts": sorted([home, other])}])
        return {"id": local_id, "type": "bulletin", "title": f"Tendens {local_id}",
                "summary": summary or f"Første udgave, skridt {self.steps}.", "audience": audience,
                "police_districts": [home], "details": {"observations": [{"label": "Anmeldelser", "count": 17}]}}

    def _new_version(self, node: FaultNode, item: LedgerItem) -> dict:
        summary = f"Udgave {item.version + 1}, skridt {self.steps}."
        local_id = item.id.split(":", 1)[1]
        if item.type == "bulletin":
            return self._bulletin(node, local_id, summary)
        content = {"id": local_id, "type": item.type, "title": f"Indsats {local_id}", "summary": summary,
                   "audience": item.audience}
        if node.spec.municipality:
            content["municipalities"] = [node.spec.municipality]
        if self.random.random() < 0.5:  # narrow (or widen) the audience in the same version
            content["audience"] = self._audience(node, narrow=item.audience in ("public", "network"))
        return content

    def _audience(self, node: FaultNode, narrow: bool | None = None):
        wide = ["public", "network"]
        if node.spec.kind == "national":
            return self.random.choice(wide)
        home, other = _districts(node)
        narrowed = [{"districts": [home]}, {"districts": [home], "nodes": ["dkr"]},
                    {"districts": sorted([home, other])}]
        choices = narrowed if narrow else wide + narrowed
        return self.random.choice(choices)

    def _import(self, node: FaultNode, changes: list[dict]) -> None:
        path = self.workdir / f"import-{self.steps}.jsonl"
        path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in changes), encoding="utf-8")
        node.cli("import", str(path))
        for content in changes:
            held = self.ledger.items.get(f"{node.spec.id}:{content['id']}")
            operation = "publish" if held is None else ("narrow" if _narrower(held.audience, content) else "update")
            self.ledger.published(node.spec.id, content, operation)

    # --- after the faults ------------------------------------------------------------------------

    def settle(self, max_intervals: int, wake: bool = True) -> float:
        """End the faults and wait, at most `max_intervals` pull intervals, until every node holds what it should.

        With `wake`, every node then publishes one more item, as the network's ordinary traffic would:
        its notify wakes peers out of the backoff the faults put them in (§18). Returns the seconds taken.
        """
        self.restart_at.clear()
        self.network.heal()
        self.ledger.note("heal", "faults end: every proxy passes, every node runs")
        if wake:
            for node in self.network.nodes.values():
                self._import(node, [self._wake_item(node)])
        started = time.monotonic()
        deadline = started + max_intervals * PULL_SECONDS
        while (problems := network_problems(self.network, self.ledger)) and time.monotonic() < deadline:
            time.sleep(1)
        if problems:
            raise FaultRunFailed(self.report(problems, f"not settled after {max_intervals} pull intervals"))
        return time.monotonic() - started

    def _wake_item(self, node: FaultNode) -> dict:
        self._serial += 1
        return {"id": f"alt-klart-{self._serial}", "type": "guidance" if node.spec.kind == "national" else "method",
                "title": "Alt klart efter udfaldet", "summary": "Nettet kører igen.", "audience": "public"}

    def check_exports(self) -> None:
        """No node's `vidensnet export` lists an item twice."""
        duplicates = {node_id: d for node_id, node in self.network.nodes.items() if (d := duplicates_in_export(node))}
        if duplicates:
            raise FaultRunFailed(self.report({k: [f"duplicated in export: {v}"] for k, v in duplicates.items()},
                                             "duplicates"))

    def summary(self, settled_seconds: float, total_seconds: float) -> str:
        """One paragraph of figures for the test output and the benchmark."""
        operations = {k: v for k, v in self.ledger.counts.items() if k in ("publish", "update", "narrow", "retract")}
        rss = self.network.peak_rss_mb()
        rejected = sum(n.rows("SELECT count(*) FROM rejections")[0][0] for n in self.network.nodes.values())
        waiting = sum(n.rows("SELECT count(*) FROM waiting_envelopes")[0][0] for n in self.network.nodes.values())
        cut = Counter()
        for proxy in self.network.proxies.values():
            cut.update(vars(proxy.counts))
        return (f"seed {self.seed}: {len(self.network.nodes)} nodes, {self.steps} steps, operations {operations}, "
                f"faults {dict(self.faults)}, connections through the proxies {dict(cut)}, "
                f"settled {settled_seconds:.1f} s after the faults ({settled_seconds / PULL_SECONDS:.1f} pull "
                f"intervals), {rejected} envelopes rejected and {waiting} waiting on all nodes, "
                f"whole run {total_seconds:.0f} s, largest peak RSS of a node {max(rss.values()):.0f} MB")

    def report(self, problems: dict[str, list[str]], headline: str) -> str:
        """A failure message: the seed, what differs on which node, and the end of the operation log."""
        lines = [f"{headline} (seed {self.seed}; replay with VIDENSNET_FAULT_SEED={self.seed})"]
        for node_id, found in sorted(problems.items()):
            lines += [f"  {node_id}:"] + [f"    {p}" for p in found[:20]]
        lines += ["last operations and faults:"] + [f"  {entry}" for entry in self.ledger.log[-40:]]
        return "\n".join(lines)


def _districts(node: FaultNode) -> tuple[str, str]:
    home = node.spec.view.police_district
    return home, MIDTVEST if home == OST else OST


def _narrower(before, content: dict) -> bool:
    return before in ("public", "network") and content["audience"] not in ("public", "network")
