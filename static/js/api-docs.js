// Renders the OpenAPI document with Swagger UI (served from our own static files, no CDN).
function renderApiDocs() {
  const target = document.getElementById("swagger-ui");
  if (!target || target.dataset.rendered || typeof SwaggerUIBundle === "undefined") return;
  target.dataset.rendered = "true";
  SwaggerUIBundle({ url: target.dataset.specUrl, domNode: target, deepLinking: false });
}
document.addEventListener("DOMContentLoaded", renderApiDocs);
document.addEventListener("htmx:load", renderApiDocs);
