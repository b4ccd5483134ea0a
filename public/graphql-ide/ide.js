// GraphiQL on this server's /graphql (src/server/graphql-ide.ts), from the UMD globals the page loaded
// before this module: React, ReactDOM, GraphiQL. Queries and mutations are same-origin fetches (the
// session cookie rides along; `apollo-require-preflight` satisfies Apollo's CSRF prevention);
// subscriptions go over graphql-ws on the same path (the server reads the same cookie at the upgrade).
/* global React, ReactDOM, GraphiQL */
const root = document.getElementById('graphiql');
const endpoint = new URL(root.dataset.endpoint, location.href);
const wsEndpoint = new URL(endpoint);
wsEndpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const { createClient } = await import(root.dataset.wsModule);
// lazy: the socket opens with the first subscription and closes after the last one
const wsClient = createClient({ url: wsEndpoint.href, lazy: true, retryAttempts: 3 });

const fetcher = GraphiQL.createFetcher({
  url: endpoint.href,
  headers: { 'apollo-require-preflight': 'true' },
  wsClient,
});

root.textContent = '';
ReactDOM.createRoot(root).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: '# Queries and mutations run over HTTP with your session cookie; subscriptions over graphql-ws.\n{\n  __typename\n}\n',
    shouldPersistHeaders: false,
  }),
);
