"""Prints what TensorBoard's HParams view shows of a log folder, as its own plugin computes it
(the plugin's ListSessionGroups over TensorBoard's event multiplexer), as JSON:
{"experiment": {"hparams": [names], "metrics": [tags]},
 "sessions": [{"name": run, "hparams": {name: value}, "metrics": {tag: value}, "status": S}]}
Run with the Python that has the tensorboard package (.venv-torch).

    .venv-torch/bin/python tests/e2e/tensorboard_hparams.py LOGDIR
"""
import json
import sys

from google.protobuf import json_format
from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, list_session_groups

logdir = sys.argv[1]
multiplexer = plugin_event_multiplexer.EventMultiplexer()
multiplexer.AddRunsFromDirectory(logdir)
multiplexer.Reload()
provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
tb_context = base_plugin.TBContext(logdir=logdir, multiplexer=multiplexer, data_provider=provider)
backend = backend_context.Context(tb_context)
ctx = context.RequestContext()
experiment = backend.experiment_from_metadata(ctx, "", include_metrics=True,
                                              hparams_run_to_tag_to_content=backend.hparams_metadata(ctx, ""),
                                              data_provider_hparams=None)
request = api_pb2.ListSessionGroupsRequest(start_index=0, slice_size=1000,
                                           allowed_statuses=[api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS,
                                                             api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING])
for info in experiment.hparam_infos:
    request.col_params.add(hparam=info.name)
for info in experiment.metric_infos:
    request.col_params.add(metric=info.name)
response = list_session_groups.Handler(ctx, backend, "", request).run()
sessions = []
for group in response.session_groups:
    for session in group.sessions:
        sessions.append({
            "name": session.name,
            "hparams": {k: json_format.MessageToDict(v) for k, v in group.hparams.items()},
            "metrics": {m.name.tag: m.value for m in session.metric_values},
            "status": api_pb2.Status.Name(session.status),
        })
print(json.dumps({"experiment": {"hparams": [i.name for i in experiment.hparam_infos],
                                 "metrics": [i.name.tag for i in experiment.metric_infos]},
                  "sessions": sorted(sessions, key=lambda s: s["name"])}, indent=1))
