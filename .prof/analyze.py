import json,sys,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
self_t=collections.Counter()
total=len(p['samples'])
for s in p['samples']:
    n=nodes[s]; cf=n['callFrame']
    self_t[(cf['functionName'] or '(anon)', cf['url'].split('/node_modules/')[-1][-60:], cf['lineNumber'])]+=1
print('samples',total)
for k,v in self_t.most_common(40):
    print(f"{100*v/total:5.1f}% {k[0][:40]:40} {k[1]}:{k[2]}")
# inclusive by url group
parent={}
for n in p['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
incl=collections.Counter()
for s in p['samples']:
    seen=set(); i=s
    while i is not None:
        n=nodes[i]; u=n['callFrame']['url']
        key=u.split('/node_modules/')[-1].split('/')[0] if '/node_modules/' in u else ('src/'+u.split('/src/')[-1] if '/src/' in u else u[-50:])
        if key not in seen: incl[key]+=1; seen.add(key)
        i=parent.get(i)
print('--- inclusive by module')
for k,v in incl.most_common(30): print(f"{100*v/total:5.1f}% {k}")
