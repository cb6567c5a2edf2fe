"""The product catalogue sold at the front desk."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Page, answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.query import Paging, QueryModel, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import ApiError, not_found
from hub.money.amounts import Amount
from hub.store import ProductRecord

bp = Blueprint("products", url_prefix="/products")


class NewProduct(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    price: Amount = Field(description="minor units of the branch currency")
    category: str = Field(default="", max_length=50)


class ProductChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    price: Amount | None = None
    category: str | None = Field(default=None, max_length=50)
    active: bool | None = None


class ProductFilter(QueryModel):
    """The filter of the catalogue (and its export)."""

    all: bool = Field(default=False, description="include withdrawn products")


class ProductsQuery(ProductFilter, Paging):
    pass


class Product(Answer):
    id: str
    name: str
    price: int = Field(description="minor units of the branch currency")
    category: str
    active: bool = Field(description="false: withdrawn from sale")


def product_view(product: ProductRecord) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "price": product.price,
        "category": product.category,
        "active": product.active,
    }


@bp.get("")
@openapi.definition(summary="Products for sale (?all=1 includes withdrawn ones)", tag="products")
@requires(Permission.MONEY_READ)
@with_query(ProductsQuery)
@answers(Page[Product])
async def list_products(request: Request, query: ProductsQuery) -> dict[str, Any]:
    products, total = await request.app.ctx.store.products.page(
        active_only=not query.all, skip=query.offset, limit=query.limit
    )
    return {"items": [product_view(p) for p in products], "total": total}


@bp.post("")
@openapi.definition(summary="Add a product", body=json_body(NewProduct), tag="products")
@requires(Permission.SETTINGS_MANAGE)
@audits("product.create")
@answers(Product, status=201, errors=(409,))
async def create_product(request: Request) -> dict[str, Any]:
    body = parse_body(request, NewProduct)
    product = ProductRecord(
        id=uuid.uuid4().hex, name=body.name, price=body.price, category=body.category, created_at=now_ms()
    )
    if not await request.app.ctx.store.products.create(product):
        raise ApiError(409, "name_taken", f"a product is already called {body.name!r}")
    await request.app.ctx.audit.record(
        "product.create", request=request, target=product.id, details={"name": body.name, "price": body.price}
    )
    return product_view(product)


@bp.patch("/<product_id:str>")
@openapi.definition(
    summary="Change a product's name, price or category, or withdraw it (active: false)",
    body=json_body(ProductChanges),
    tag="products",
)
@requires(Permission.SETTINGS_MANAGE)
@audits("product.update")
@answers(Product, errors=(404, 409))
async def update_product(request: Request, product_id: str) -> dict[str, Any]:
    changes = parse_body(request, ProductChanges).model_dump(exclude_none=True)
    try:
        product = await request.app.ctx.store.products.update(product_id, changes)
    except ValueError:
        raise ApiError(409, "name_taken", "another product has that name") from None
    if product is None:
        raise not_found(f"product {product_id!r}")
    await request.app.ctx.audit.record("product.update", request=request, target=product_id, details=changes)
    return product_view(product)
