"""The confirmation for people: the printable page, the PDF with its QR code, and the
public verification page (/verify/{number}, HTML or JSON). Rendering lives here; the use
cases are in services/confirmations.py. Documented in the OpenAPI document like the API."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, current_app, render_template, request
from flask.views import MethodView

from ..api.base import Blueprint, current_actor
from ..api.openapi import download
from ..db import db
from ..errors import NotFound
from ..services import confirmations as svc
from . import pdf

blp = Blueprint(
    "confirmation_pages", __name__, url_prefix="/api/v1", description="确认意见：打印页与 PDF"
)
verify = Blueprint("verify", __name__, url_prefix="/verify", description="确认意见公开核验")


def _verify_url(number: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{number}"


@blp.route("/confirmations/<int:confirmation_id>/pdf")
class ConfirmationPdf(MethodView):
    @blp.doc(**download("application/pdf", description="确认意见 PDF"))
    def get(self, confirmation_id):
        """确认意见 PDF（中文，含二维码核验地址）"""
        conf = svc.get_issued_confirmation(db.session, current_actor(), confirmation_id)
        body = pdf.render_pdf(
            conf.document,
            digest=conf.digest,
            key_id=conf.key_id,
            verify_url=_verify_url(conf.number),
            font_path=current_app.config.get("PDF_FONT_PATH"),
        )
        return Response(
            body,
            mimetype="application/pdf",
            headers={"Content-Disposition": f"inline; filename=confirmation-{conf.id}.pdf"},
        )


@blp.route("/confirmations/<int:confirmation_id>/print")
class ConfirmationPrint(MethodView):
    @blp.doc(**download("text/html", description="可打印页面"))
    def get(self, confirmation_id):
        """可打印的确认意见页面"""
        conf = svc.get_issued_confirmation(db.session, current_actor(), confirmation_id)
        return render_template(
            "confirmations/print.html",
            doc=conf.document,
            digest=conf.digest,
            status_zh=pdf.STATUS_ZH,
            verify_url=_verify_url(conf.number),
            pdf_url=f"/api/v1/confirmations/{conf.id}/pdf",
        )


@verify.route("/<path:number>")
class Verify(MethodView):
    @verify.doc(
        **download("text/html", "application/json", description="核验结果（页面，或 JSON）"),
        responses={
            404: {
                "description": "没有这个编号的确认意见",
                "content": {
                    "text/html": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                },
            }
        },
    )
    def get(self, number):
        """公开核验：有效、已撤销、已被取代，或签发后资源目录已变化

        返回 HTML 页面；Accept: application/json 时返回 JSON。"""
        wants_json = (
            request.accept_mimetypes.best_match(["text/html", "application/json"])
            == "application/json"
        )
        try:
            result = svc.verify_number(
                db.session, number, timezone=current_app.config["LOCAL_TIMEZONE"]
            )
        except NotFound:
            if wants_json:
                raise
            return render_template("confirmations/verify.html", v=None, number=number), 404
        if wants_json:
            return asdict(result)
        return render_template("confirmations/verify.html", v=result, number=number)
