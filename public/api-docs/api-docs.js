/*
 * The docs page of a surface (src/rest/engine/docs.ts): Swagger UI over the surface's OpenAPI document.
 * A file of its own, not an inline script, so the page's CSP can refuse every inline script. Each
 * operation's description carries the GraphQL operation it runs (x-graphql-operation).
 */
/* global SwaggerUIBundle */
(function () {
  var node = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: node.getAttribute('data-openapi'),
    domNode: node,
    deepLinking: true,
    // no call to the public validator service: the page talks to this origin only
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    displayOperationId: true,
    // the session cookie goes with "Try it out" calls (same origin)
    withCredentials: true,
  });
})();
