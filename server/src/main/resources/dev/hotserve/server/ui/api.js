// The document this server serves: only the routes it registered. "Authorize" takes the key (kept in this tab, sent as a header).
// A file of its own, not an inline script: the /ui/ pages' Content-Security-Policy allows no inline script.
window.ui = SwaggerUIBundle({ url: '../../openapi.json', dom_id: '#swagger-ui', deepLinking: true, layout: 'BaseLayout',
  presets: [SwaggerUIBundle.presets.apis] });
