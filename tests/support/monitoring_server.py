"""Cloud Monitoring's gRPC API on 127.0.0.1, as much of it as AIPROD uses: time series written, alert
policies listed and created. It keeps every request as the client sent it (proto-plus messages), so a
test reads exactly what the real client would send to Google."""

from concurrent import futures

import grpc
from google.cloud import monitoring_v3
from google.protobuf import empty_pb2

from aiprod_assets.testing.local_server import free_port


class MonitoringServer:
    def __init__(self):
        self.requests: list[tuple[str, object]] = []
        self.policies: list[monitoring_v3.AlertPolicy] = []
        self.port = free_port()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self.server.add_generic_rpc_handlers([
            self._service("google.monitoring.v3.MetricService", {
                "CreateTimeSeries": (monitoring_v3.CreateTimeSeriesRequest, self._create_time_series)}),
            self._service("google.monitoring.v3.AlertPolicyService", {
                "ListAlertPolicies": (monitoring_v3.ListAlertPoliciesRequest, self._list_policies),
                "CreateAlertPolicy": (monitoring_v3.CreateAlertPolicyRequest, self._create_policy)}),
        ])
        self.server.add_insecure_port(f"127.0.0.1:{self.port}")

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _service(self, name: str, methods: dict):
        def handler(request_type, answer):
            def call(request, context):
                self.requests.append((type(request).__name__, request))
                return answer(request)
            return grpc.unary_unary_rpc_method_handler(
                call, request_deserializer=request_type.deserialize,
                response_serializer=lambda message: message.SerializeToString() if hasattr(
                    message, "SerializeToString") else type(message).serialize(message))
        return grpc.method_handlers_generic_handler(
            name, {method: handler(request_type, answer) for method, (request_type, answer) in methods.items()})

    def _create_time_series(self, request):
        return empty_pb2.Empty()

    def _list_policies(self, request):
        return monitoring_v3.ListAlertPoliciesResponse(alert_policies=self.policies)

    def _create_policy(self, request):
        policy = monitoring_v3.AlertPolicy(request.alert_policy)
        policy.name = f"{request.name}/alertPolicies/{len(self.policies) + 1}"
        self.policies.append(policy)
        return policy

    def series(self) -> list[monitoring_v3.TimeSeries]:
        return [s for kind, request in self.requests if kind == "CreateTimeSeriesRequest"
                for s in request.time_series]

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop(grace=None)
