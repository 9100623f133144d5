"""A supplier's application papers (营业执照, 品牌授权书): checked, kept by distro outside every public path, and
opened only by their supplier and the admins.

A file is taken when it is a PDF (by its %PDF- signature) or a picture Pillow reads whole (PNG, JPEG, WebP), of at
most DOCUMENT_MAX_BYTES; it is kept as it was sent (a licence is evidence: not re-encoded), under a name of its
supplier and its content, in VAR_DIR/documents.
"""

from __future__ import annotations

import enum
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from PIL import Image
from sqlmodel import Session, col

from distro import audit
from distro.errors import NotFound, ValidationFailed
from distro.share.images import ImageUnavailable, verified_image, write_atomically
from distro.suppliers import services
from distro.suppliers.models import Supplier, SupplierDocument
from distro.suppliers.rules import Qualification, QualificationPolicy, qualification_failures
from distro.validation import FieldError

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
"""The largest file taken: a scan of a licence, not a brochure."""
DOCUMENTS_PER_KIND = 5
"""Files of one kind an application may hand in at once."""
PDF_SIGNATURE = b"%PDF-"
IMAGE_TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}


class DocumentKind(enum.StrEnum):
    """What a paper proves."""

    LICENCE = "licence"  # 营业执照: the company exists and may trade
    AUTHORISATION = "authorisation"  # 品牌授权书: a link of the brand's authorisation chain


@dataclass(frozen=True)
class Upload:
    """A file as the supplier sent it: its name on their computer and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file found acceptable: what it is and the name distro keeps it under."""

    kind: DocumentKind
    original_name: str
    data: bytes
    content_type: str
    suffix: str

    def stored_name(self, supplier_id: int) -> str:
        """Named by its supplier and content: the same file handed in twice is kept once."""
        return f"supplier-{supplier_id}-{hashlib.sha256(self.data).hexdigest()[:24]}.{self.suffix}"


def documents_dir(settings: Mapping) -> Path:
    """Where distro keeps suppliers' papers: under VAR_DIR, beside the images but never served by /images/."""
    return Path(settings["VAR_DIR"]) / "documents"


def check_file(kind: DocumentKind, upload: Upload) -> CheckedFile:
    """The upload as a paper distro keeps; FieldError (raised in a ValidationFailed by check_files) otherwise."""
    field = kind.value
    if len(upload.data) > DOCUMENT_MAX_BYTES:
        raise _refused(field, f"must be at most {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB", "size")
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or kind.value
    if upload.data.startswith(PDF_SIGNATURE):
        return CheckedFile(kind, name, upload.data, "application/pdf", "pdf")
    try:
        verified_image(upload.data)
    except ImageUnavailable:
        raise _refused(field, "must be a PDF or a PNG, JPEG or WebP picture", "file_type") from None
    # The format Pillow found decides the type, not the name the file came with.
    with Image.open(io.BytesIO(upload.data)) as picture:
        content_type, suffix = IMAGE_TYPES[str(picture.format)]
    return CheckedFile(kind, name, upload.data, content_type, suffix)


def check_files(uploads: Mapping[DocumentKind, Sequence[Upload]], *, need_licence: bool) -> list[CheckedFile]:
    """Every upload checked; ValidationFailed naming each field whose file is refused, too many, or missing."""
    checked: list[CheckedFile] = []
    failures: list[FieldError] = []
    for kind in DocumentKind:
        files = uploads.get(kind, ())
        if len(files) > DOCUMENTS_PER_KIND:
            failures.append(FieldError(kind.value, f"at most {DOCUMENTS_PER_KIND} files at once", "too_many"))
            continue
        for upload in files:
            try:
                checked.append(check_file(kind, upload))
            except _Refused as refused:
                failures.append(refused.error)
    licence_named = any(file.kind is DocumentKind.LICENCE for file in checked) or any(
        failure.field == DocumentKind.LICENCE.value for failure in failures
    )
    if need_licence and not licence_named:
        failures.append(FieldError(DocumentKind.LICENCE.value, "the business licence is required", "required"))
    if failures:
        raise ValidationFailed("A document was refused.", failures)
    return checked


def documents_of(session: Session, supplier_id: int) -> list[SupplierDocument]:
    """The supplier's papers, oldest first."""
    query = sa.select(SupplierDocument).where(col(SupplierDocument.supplier_id) == supplier_id)
    return list(session.execute(query.order_by(col(SupplierDocument.id))).scalars())


def documents_by_supplier(session: Session, supplier_ids: list[int]) -> dict[int, list[SupplierDocument]]:
    """The papers of each of these suppliers (one statement for a page of them), oldest first."""
    query = sa.select(SupplierDocument).where(col(SupplierDocument.supplier_id).in_(supplier_ids))
    found: dict[int, list[SupplierDocument]] = {supplier_id: [] for supplier_id in supplier_ids}
    for document in session.execute(query.order_by(col(SupplierDocument.id))).scalars():
        found[document.supplier_id].append(document)
    return found


def apply_with_documents(
    *,
    session: Session,
    user_id: int,
    company_name: str,
    qualification: Qualification,
    policy: QualificationPolicy,
    uploads: Mapping[DocumentKind, Sequence[Upload]],
    directory: Path,
) -> Supplier:
    """Apply (distro.suppliers.services.apply, as the API does) with the papers that prove it; commit.

    The business licence is needed unless one was handed in before. The files are checked first: a refused file
    refuses the whole application (with the qualification rules it fails, all named at once) and nothing is saved.
    """
    supplier = services.find_supplier_of(session, user_id)
    have_licence = supplier is not None and any(
        document.kind == DocumentKind.LICENCE.value
        for document in documents_of(session, supplier.id)  # type: ignore[arg-type]
    )
    try:
        checked = check_files(uploads, need_licence=not have_licence)
    except ValidationFailed as refused:
        raise ValidationFailed(refused.detail, refused.errors + qualification_failures(qualification, policy)) from None
    supplier = services.apply(
        session=session, user_id=user_id, company_name=company_name, qualification=qualification, policy=policy
    )
    assert supplier.id is not None  # applied
    for file in checked:
        stored = file.stored_name(supplier.id)
        write_atomically(directory / stored, file.data)
        document = SupplierDocument(
            supplier_id=supplier.id,
            kind=file.kind.value,
            original_name=file.original_name,
            stored_name=stored,
            content_type=file.content_type,
            size_bytes=len(file.data),
            uploaded_by=user_id,
        )
        session.add(document)
        session.flush()
        assert document.id is not None  # flushed
        audit.record(
            session,
            actor_id=user_id,
            action="supplier.document",
            subject_type="supplier",
            subject_id=supplier.id,
            after={"document_id": document.id, "kind": file.kind.value, "name": file.original_name},
        )
    session.commit()
    return supplier


def readable_document(
    session: Session, *, document_id: int, user_id: int, is_admin: bool, directory: Path
) -> tuple[SupplierDocument, Path]:
    """A paper and where its file is, for its own supplier's account or an admin; NotFound for anyone else
    (whether it exists is not revealed)."""
    document = session.get(SupplierDocument, document_id)
    if document is None:
        raise NotFound(f"No document {document_id}.")
    if not is_admin:
        supplier = services.find_supplier_of(session, user_id)
        if supplier is None or supplier.id != document.supplier_id:
            raise NotFound(f"No document {document_id}.")
    return document, directory / document.stored_name


class _Refused(Exception):
    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message)
        self.error = error


def _refused(field: str, message: str, rule: str) -> _Refused:
    return _Refused(FieldError(field, message, rule))
