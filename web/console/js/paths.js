// The console's URLs.
export function projectPath(projectId, page = '', ...rest) {
  const parts = ['/console/projects', encodeURIComponent(projectId)];
  if (page) parts.push(page);
  for (const r of rest) parts.push(encodeURIComponent(r));
  return parts.join('/');
}
