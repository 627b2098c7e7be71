"""flask-smorest adapted to the portal: problem+json errors and RFC 8288 Link headers."""

import json
from copy import deepcopy
from urllib.parse import urlencode

from flask import Response, current_app, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from portal.ids import ID_MAX
from portal.openapi import tag_name
from portal.services import framework

# JSON of documents a service keeps (the same object while it is current), by the object's id;
# the object is held too, so an id reused after it went away can never name its JSON.
_rendered: dict[int, tuple[object, bytes]] = {}


def kept_rendering(schema: Schema, document: dict) -> Response:
    """The answer @blp.response would build for a document a service keeps, dumped and encoded
    once per process rather than on every read."""
    kept = _rendered.get(id(document))
    if kept is None or kept[0] is not document:
        body = current_app.json.response(schema.dump(document)).get_data()
        kept = framework.keep_entry(_rendered, id(document), (document, body))
    return Response(kept[1], mimetype=current_app.json.mimetype)


class KeptSchemaParser(FlaskParser):
    """webargs builds a schema given as a class anew for every request, copying its fields;
    the portal's schemas keep nothing between loads, so one instance per class serves all."""

    def __init__(self) -> None:
        super().__init__()
        self._instances: dict[type, Schema] = {}

    def _get_schema(self, argmap, req) -> Schema:
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = self._instances.get(argmap)
            return schema if schema is not None else self._instances.setdefault(argmap, argmap())
        return super()._get_schema(argmap, req)


class ApiBlueprint(Blueprint):
    """A smorest Blueprint whose paginated answers also carry a Link header, and whose query
    and body schemas are built once."""

    ARGUMENTS_PARSER = PAGINATION_ARGUMENTS_PARSER = KeptSchemaParser()

    @staticmethod
    def _make_pagination_metadata(page, page_size, item_count):
        """flask-smorest's X-Pagination metadata, without dumping it through a schema built
        for each request (its fields are integers, which dump as themselves)."""
        metadata = {"total": item_count, "total_pages": -(-item_count // page_size)}
        if item_count:
            metadata.update(first_page=1, last_page=metadata["total_pages"])
            if page <= metadata["last_page"]:
                metadata["page"] = page
                if page > 1:
                    metadata["previous_page"] = page - 1
                if page < metadata["last_page"]:
                    metadata["next_page"] = page + 1
        return metadata

    def _set_pagination_metadata(self, page_params, result, headers):
        metadata = self._make_pagination_metadata(
            page_params.page, page_params.page_size, page_params.item_count
        )
        headers = dict(headers or {})
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(metadata)
        links = pagination_links(metadata, page_params.page_size)
        if links:
            headers["Link"] = links
        return result, headers

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        """Operations are tagged with the human name ProblemApi gives the blueprint's tag
        (`name` itself stays: it is the endpoint prefix too)."""
        documented = self._docs
        self._docs = deepcopy(documented)
        for endpoint in self._docs.values():
            for method, info in endpoint.items():
                if method != "parameters" and info.get("tags") is None:
                    info["tags"] = [tag_name(name)]
        try:
            super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)
        finally:
            self._docs = documented

    def _document_pagination_metadata(self, spec, resp_doc):
        super()._document_pagination_metadata(spec, resp_doc)
        resp_doc["headers"]["Link"] = {
            "description": "RFC 8288 links to the first, prev, next and last pages",
            "schema": {"type": "string"},
        }


def pagination_links(metadata: dict, page_size: int) -> str:
    """Link header (first, prev, next, last) for the current request's URL."""
    relations = {
        "first": metadata.get("first_page"),
        "prev": metadata.get("previous_page"),
        "next": metadata.get("next_page"),
        "last": metadata.get("last_page"),
    }
    args = request.args.to_dict(flat=False)
    parts = []
    for rel, page in relations.items():
        if page is None:
            continue
        query = {**args, "page": [str(page)], "page_size": [str(page_size)]}
        url = request.base_url + "?" + urlencode(query, doseq=True)
        parts.append(f'<{url}>; rel="{rel}"')
    return ", ".join(parts)


class IdConverter(IntegerConverter):
    """Row ids in URLs: 1 up to the largest 32-bit integer; anything else is simply not found."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=ID_MAX)


def register_id_converter(app, api: Api) -> None:
    app.url_map.converters["id"] = IdConverter
    api.register_converter(
        IdConverter, lambda converter: {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    )
