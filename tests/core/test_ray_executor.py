"""The Ray executor on a local Ray cluster started here (2 CPUs, no dashboard): same contract."""

import pytest
import ray

from rnnviz.train.runs import RunStore
from tests.core.test_executor import TIMEOUT, request, wait_until


@pytest.fixture(scope="module")
def ray_executor():
    from rnnviz.service.executor import RayExecutor

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield RayExecutor("local")
    finally:
        ray.shutdown()


def test_ray_run_streams_progress_and_lands_in_the_local_store(ray_executor, tmp_path):
    assert ray_executor.max_running == 2  # the cluster's CPUs
    handle = ray_executor.submit(request(tmp_path, epochs=2))
    assert handle.result(TIMEOUT) is not None, "no result in time"
    state = handle.snapshot()
    assert state.status == "finished", state.message
    assert len(state.history["loss"]) == 2 and state.gate_history
    record = RunStore(tmp_path).get(handle.result().run_id)  # the bytes came back and were stored
    assert record.history["loss"] == pytest.approx(state.history["loss"])
    assert not list(tmp_path.glob(".tmp-*"))


def test_ray_stop_ends_the_run(ray_executor, tmp_path):
    handle = ray_executor.submit(request(tmp_path, epochs=500, n=400))
    assert wait_until(lambda: handle.snapshot().epoch >= 1)
    handle.stop()
    assert handle.result(60) is not None
    assert handle.snapshot().status == "stopped"
