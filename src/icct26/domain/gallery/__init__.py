"""Tournament photo gallery: image records, caption rule and the ports its use cases need."""

from icct26.domain.gallery.images import (
    MAX_CAPTION_LENGTH,
    CleanImage,
    GalleryImage,
    ImageFormat,
    NewGalleryImage,
    clean_caption,
)
from icct26.domain.gallery.ports import GalleryRepository, GalleryUnitOfWork, ImageSanitizer

__all__ = [
    "MAX_CAPTION_LENGTH",
    "CleanImage",
    "GalleryImage",
    "GalleryRepository",
    "GalleryUnitOfWork",
    "ImageFormat",
    "ImageSanitizer",
    "NewGalleryImage",
    "clean_caption",
]
