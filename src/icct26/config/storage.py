"""Where documents are stored (local, S3, Cloudinary) and how calls to a remote store are bounded."""

from __future__ import annotations

from typing import Literal

import msgspec

from icct26.config.group import ConfigError, Group, Positive, prefixed


class S3Settings(Group, frozen=True, rename=prefixed("S3_")):
    bucket: str = ""
    endpoint_url: str = ""  # empty: AWS; else MinIO, Cloudflare R2 ...
    region: str = "us-east-1"
    access_key_id: str = ""
    secret_access_key: str = ""


class CloudinarySettings(Group, frozen=True, rename=prefixed("CLOUDINARY_")):
    cloud_name: str = ""
    api_key: str = ""
    api_secret: str = ""
    api_base_url: str = "https://api.cloudinary.com"
    delivery_base_url: str = "https://res.cloudinary.com"


class StorageSettings(Group, frozen=True, rename=prefixed("STORAGE_")):
    backend: Literal["local", "s3", "cloudinary"] = "local"
    timeout_seconds: float = 30.0
    breaker_fail_max: Positive = 5
    breaker_reset_seconds: float = 30.0
    s3: S3Settings = msgspec.field(default_factory=S3Settings)
    cloudinary: CloudinarySettings = msgspec.field(default_factory=CloudinarySettings)

    def check(self) -> None:
        if self.backend == "s3" and not self.s3.bucket:
            raise ConfigError("S3_BUCKET: required when STORAGE_BACKEND=s3")
        account = self.cloudinary
        if self.backend == "cloudinary" and not (
            account.cloud_name and account.api_key and account.api_secret
        ):
            raise ConfigError("CLOUDINARY_CLOUD_NAME: cloud name, API key and secret are required")
