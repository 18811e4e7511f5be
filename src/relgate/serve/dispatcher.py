"""Works through the delivery ledger: decide each pending delivery once, then answer GitHub until it hears.

Every worker process runs one dispatcher. A delivery received by a worker is
claimed by it at once; the poll loop picks up the rest (retries that are due,
and jobs whose worker died and whose lease ran out). A review GitHub did not
take is retried with exponential backoff (5 s doubling to 10 min) until
`serve.callback_give_up_after` (24 h), then marked failed, logged at ERROR and
counted: never dropped without a trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import anyio.to_thread

from relgate.redact import scrub
from relgate.serve import metrics
from relgate.serve.github_app import CallbackError, GithubApp
from relgate.serve.github_webhook import (
    gate_ask,
    parse_request,
    review_for,
    review_from_json,
    review_json,
)
from relgate.serve.ledger import DECIDED, PENDING, Job, Ledger
from relgate.serve.runner import GateAnswer, GateAsk, run_gate
from relgate.serve.settings import ServeSettings

log = logging.getLogger("relgate.serve")

LEASE_SECONDS = 300.0
UNRECORDED_RETRIES = 3  # an error with no audit record is decided again this often before GitHub hears "rejected"
FIRST_RETRY, LAST_RETRY = 5.0, 600.0


class Dispatcher:
    def __init__(self, settings: ServeSettings, ledger: Ledger, app: GithubApp,
                 gate: Callable[[ServeSettings, GateAsk], GateAnswer] | None = None,
                 concurrency: int = 8, poll_seconds: float = 1.0) -> None:
        self.settings = settings
        self.ledger = ledger
        self.app = app
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self._gate = gate or run_gate
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def start_now(self, delivery: str) -> None:
        """Claim and process a delivery this worker just stored, without waiting for a poll."""
        self._track(self._claim_and_work(delivery))

    def _track(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _claim_and_work(self, delivery: str) -> None:
        await self._slots.acquire()
        try:
            job = await anyio.to_thread.run_sync(self.claim, delivery)
        except Exception as exc:
            log.error("delivery queue unreachable: %s", scrub(str(exc)))
            job = None
        if job is None:
            self._slots.release()  # another worker has it, or the poll loop got there first
            return
        await self._work_then_release(job)

    async def _work_then_release(self, job: Job) -> None:
        try:
            await anyio.to_thread.run_sync(self.work, job)
        except Exception:
            log.exception("delivery %s: processing failed; its lease will expire and it will be retried",
                          job.delivery)
        finally:
            self._slots.release()

    async def run(self) -> None:
        """Poll for due jobs until stopped; each claimed job runs as its own task, `concurrency` at a time."""
        while not self._stopping:
            await self._slots.acquire()
            try:
                job = await anyio.to_thread.run_sync(self.claim, None)
            except Exception as exc:
                log.error("delivery queue unreachable: %s", scrub(str(exc)))
                job = None
            if job is not None:
                self._track(self._work_then_release(job))
                continue
            self._slots.release()
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=30)

    def claim(self, delivery: str | None = None) -> Job | None:
        return self.ledger.claim(self.owner, time.time(), LEASE_SECONDS, delivery)

    def work(self, job: Job) -> str | None:
        """Take a claimed job as far as it goes: decide it if pending, then answer GitHub; its final state."""
        if job.state == PENDING:
            decided = self._decide(job)
            if decided is None:
                return None
            job = decided
        if job.state == DECIDED:
            return self._answer(job)
        return job.state

    def process_next(self, delivery: str | None = None) -> str | None:
        """Claim and work one job synchronously (tests, benchmarks)."""
        job = self.claim(delivery)
        return None if job is None else self.work(job)

    def _decide(self, job: Job) -> Job | None:
        request = parse_request(job.delivery, json.loads(job.payload))
        service = self.settings.github_services.get(request.repository, "") if self.settings.github_services \
            else self.settings.default_service
        token = None
        answer: GateAnswer
        if self.settings.github_services and not service:
            answer = GateAnswer("error", False, {"decision": "error", "errors": [
                f"repository {request.repository} is not listed under serve.github.services"]}, None)
        else:
            try:
                token = self.app.installation_token(request.installation_id, request.repository) \
                    if self.settings.github_app_ready else None
            except CallbackError as exc:
                log.warning("no installation token for %s: %s", request.repository, exc)
            with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="relgate-event-") as event_file:
                event_file.write(job.payload)
                event_file.flush()
                ask = gate_ask(request, service, event_file.name, token, self.settings.github_api_url)
                answer = self._gate(self.settings, ask)
        if answer.retryable and job.attempts < UNRECORDED_RETRIES:
            # Nothing was recorded (the store or the config could not be used): try again shortly
            # rather than reject a deployment on what may be a passing outage.
            wait = FIRST_RETRY * 2 ** job.attempts
            log.warning("delivery %s: the gate could not decide and record (%s); deciding again in %.0f s",
                        job.delivery, "; ".join(answer.reasons(limit=2)), wait)
            self.ledger.retry(job, self.owner, "; ".join(answer.reasons(limit=3)), time.time() + wait, time.time(),
                              give_up=False)
            return None
        review = review_for(request, answer, self.settings.public_url)
        stored = review_json(review, request.installation_id)
        if not self.ledger.decided(job, self.owner, answer.audit_id, answer.verdict, stored, time.time(),
                                   LEASE_SECONDS):
            log.error("delivery %s: lease lost while deciding (decided again elsewhere?)", job.delivery)
            return None
        log.info("delivery %s: %s %s → %s (audit %s)", job.delivery, answer.verdict, request.repository,
                 request.environment, answer.audit_id)
        return Job(job.delivery, job.kind, job.payload, DECIDED, job.attempts, answer.audit_id, answer.verdict,
                   stored, job.received_at)

    def _answer(self, job: Job) -> str:
        review, installation = review_from_json(str(job.review))
        now = time.time()
        try:
            self.app.send_review(review, installation)
        except CallbackError as exc:
            reason = "permanent" if exc.permanent else "transient"
            metrics.CALLBACK_FAILURES.labels(reason).inc()
            age = now - job.received_at
            give_up = exc.permanent or age >= self.settings.callback_give_up_after_s
            wait = min(LAST_RETRY, FIRST_RETRY * 2 ** min(job.attempts, 10))
            self.ledger.retry(job, self.owner, str(exc), now + wait, now, give_up)
            if give_up:
                metrics.CALLBACKS.labels("failed").inc()
                log.error("delivery %s: review for %s run %s NOT delivered, giving up after %d attempts: %s",
                          job.delivery, review.repository, review.run_id, job.attempts + 1, exc)
                return "failed"
            log.warning("delivery %s: review for %s run %s failed (attempt %d), retrying in %.0f s: %s",
                        job.delivery, review.repository, review.run_id, job.attempts + 1, wait, exc)
            return DECIDED
        self.ledger.sent(job, self.owner, time.time())
        metrics.CALLBACKS.labels("sent").inc()
        log.info("delivery %s: %s review sent for %s run %s", job.delivery, review.state, review.repository,
                 review.run_id)
        return "done"
