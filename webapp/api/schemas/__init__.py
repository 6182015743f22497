"""marshmallow schemas of every API request and response; the OpenAPI document is built from them.

``base`` (storable fields, the request/query/response bases, the error body, the list envelope),
then one module per resource group: ``auth`` (tokens, matters), ``cases``, ``tasks``, ``public``
(calendar, reports, audit) and ``processes`` (process versions).
"""
