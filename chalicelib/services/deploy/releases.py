"""`release` and `rollback` on a target: switch to the staged version, or go back to exactly
the version that ran before this run's deployment, and say what changed."""

from __future__ import annotations

from chalicelib.domain.deployment_records import DeploymentRecord, Finish
from chalicelib.domain.deployments import Routing
from chalicelib.engine.deploy import reports
from chalicelib.ports import DeploymentTarget
from chalicelib.services.deploy.common import DeployDeps

UNCHANGED = {"rollback": {"changed": False}}


def release(record: DeploymentRecord, target: DeploymentTarget) -> Finish:
    """Give the staged version (blue/green) all traffic; nothing staged: nothing to do."""
    where = target.describe()
    running = record.previous or Routing()
    staged = running.candidate
    if staged is None or (record.version is not None and record.version != staged):
        return reports.passed(
            f"nothing staged on {where} to release: {running.describe()}",
            {"release": _block(record, running.version, None)},
        )
    target.promote(staged)
    return reports.passed(
        f"version {staged} released on {where}: it takes all traffic (version {running.version} "
        "ran before)",
        {"release": _block(record, staged, running.version)},
    ).model_copy(update={"version": staged})


def roll_back(record: DeploymentRecord, target: DeploymentTarget, deps: DeployDeps) -> Finish:
    """Discard a staged version, or restore the version this run's deployment replaced."""
    where = target.describe()
    running = record.previous or Routing()
    if running.version is None:
        return reports.passed(f"nothing runs on {where}: nothing to roll back", UNCHANGED)
    if running.candidate is not None:
        restored = target.rollback(Routing(version=running.version))
        return _restored(
            running.version,
            reports.passed(
                f"version {running.candidate} discarded on {where}: version {restored.version} "
                "keeps all traffic",
                {
                    "rollback": {
                        "changed": True,
                        "restored": running.version,
                        "discarded": running.candidate,
                    }
                },
            ),
        )
    replaced, before = _what_this_run_deployed(record, deps)
    if replaced is None or before is None:
        return reports.passed(
            f"no deployment of {where} to roll back is known: {running.describe()}; nothing "
            "changed",
            UNCHANGED,
        )
    if running.version != replaced:
        return reports.passed(
            f"version {running.version} runs on {where}, not version {replaced}, which the "
            "deployment to roll back deployed (already rolled back, or deployed over since); "
            "nothing changed",
            UNCHANGED,
        )
    target.rollback(Routing(version=before))
    return _restored(
        before,
        reports.passed(
            f"rolled back on {where}: version {before} restored, it takes all traffic (version "
            f"{replaced} ran)",
            {"rollback": {"changed": True, "restored": before, "discarded": replaced}},
        ),
    )


def _what_this_run_deployed(
    record: DeploymentRecord, deps: DeployDeps
) -> tuple[str | None, str | None]:
    """(the version the deployment put in place, the version it replaced): from this run's
    payload (its deployment.finished), else from the service's last deployment record."""
    if record.version is not None and record.replaced is not None:
        return record.version, record.replaced
    last = deps.deployments.last_deployment(record.project, record.stage, record.service)
    if last is None or last.previous is None:
        return record.version, None
    return last.version, last.previous.version


def _restored(version: str, finish: Finish) -> Finish:
    return finish.model_copy(update={"version": version})


def _block(record: DeploymentRecord, version: str | None, previous: str | None) -> dict[str, str]:
    block: dict[str, str] = {}
    if version is not None:
        block["version"] = version
    if previous is not None:
        block["previousVersion"] = previous
    if record.gitcommitid:
        block["gitCommit"] = record.gitcommitid
    return block
