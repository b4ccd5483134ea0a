/**
 * "Same site" as browsers decide it for SameSite cookies: same scheme and same registrable domain
 * (eTLD+1). Without the Public Suffix List this is an approximation, chosen to be right for the usual
 * deployments: the registrable domain is the host's last two labels (`api.example.com` →
 * `example.com`), or its last three under a two-letter country code whose second label is one of the
 * common generic ones (`app.example.co.uk` → `example.co.uk`); an IP address, `localhost` or any
 * one-label host is its own site. Ports never matter. Private suffixes (`herokuapp.com`,
 * `github.io`…) are not known: two apps under one of them look same-site here; set COOKIE_SAMESITE=none
 * for such a deployment (README, Configuration).
 */

/** Second-level labels that registries under a country code hand out domains beneath (co.uk, com.au…). */
const GENERIC_SECOND_LEVEL = new Set(['ac', 'co', 'com', 'edu', 'go', 'gov', 'gv', 'ltd', 'me', 'mil', 'ne', 'net', 'nic', 'or', 'org', 'plc', 'sch']);

/** The registrable domain of a host, as approximated above (lower-case, brackets of IPv6 kept off). */
export function registrableDomain(hostname: string): string {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host.includes(':') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) return host; // an IP address
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const [second, top] = labels.slice(-2);
  const keep = top.length === 2 && GENERIC_SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** The site of a URL or origin: `https://example.com` for `https://api.example.com:8443/x`. */
export function siteOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${registrableDomain(u.hostname)}`;
}

/** Whether a browser would treat a request from `origin` to `target` as same-site (schemeful). */
export function sameSite(origin: string, target: string): boolean {
  return siteOf(origin) === siteOf(target);
}
