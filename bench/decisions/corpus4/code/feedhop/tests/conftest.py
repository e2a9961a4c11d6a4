import httpx
import pytest


class Recorder:
    """httpx MockTransport that plays back a list of responses and records the requests."""

    def __init__(self, responses):
        self.responses = list(responses)
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        status, headers, body = self.responses.pop(0)
        return httpx.Response(status, headers=headers, content=body, request=request)


@pytest.fixture
def recorder_client():
    def make(responses):
        rec = Recorder(responses)
        return rec, httpx.Client(transport=httpx.MockTransport(rec))
    return make
