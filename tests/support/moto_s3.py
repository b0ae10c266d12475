"""A local S3 (moto server on 127.0.0.1) for the tests of the `s3` document store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from tests.support.server import free_port


class S3Endpoint:
    """A moto server on 127.0.0.1:`port`, however it runs (a thread here, a process for the drills)."""

    def __init__(self) -> None:
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        """A boto3 S3 client of this server, to look at the bucket behind the application's back."""
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )

    def create_bucket(self) -> str:
        name = f"icct26-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name


class Moto(S3Endpoint):
    def __init__(self) -> None:
        super().__init__()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[Moto]:
        """A started server, stopped again on leaving."""
        moto = cls()
        moto.server.start()
        try:
            yield moto
        finally:
            moto.server.stop()
