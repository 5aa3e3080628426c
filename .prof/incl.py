import json,sys,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
incl=collections.Counter(); busy=0
for s in p['samples']:
    n=nodes[s]
    if n['callFrame']['functionName']=='(idle)': continue
    busy+=1
    seen=set(); i=s
    while i is not None:
        cf=nodes[i]['callFrame']; u=cf['url']
        key=(cf['functionName'] or '(anon)')+' '+u.split('/')[-1][:40]+':'+str(cf['lineNumber'])
        if key not in seen: incl[key]+=1; seen.add(key)
        i=parent.get(i)
print('busy samples',busy)
for k,v in incl.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 60): print(f"{100*v/busy:5.1f}% {k}")
