"""Prints every scalar TensorBoard's own reader finds in a run folder, as JSON:
{"tag": [[step, value], ...], ...}, after TensorBoard's purge of the steps a resumed session
redid. Run with the Python that has the tensorboard package (scripts/setup.sh --torch pypi
puts it into .venv-torch).

    .venv-torch/bin/python tests/e2e/tensorboard_scalars.py RUN_DIR
"""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

accumulator = EventAccumulator(sys.argv[1], size_guidance={SCALARS: 0}, purge_orphaned_data=True)
accumulator.Reload()
scalars = {tag: [[event.step, event.value] for event in accumulator.Scalars(tag)]
           for tag in accumulator.Tags()["scalars"]}
print(json.dumps(scalars, sort_keys=True))
